package dev.jground.ground;

import dev.jground.image.Palette;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * index.html of a result directory: the image with a mask layer and a heat-map layer per phrase
 * stacked on it (hidden at first), and the answer whose phrases are buttons that show and hide
 * them. One self-contained file, inline CSS and script, no network (its Content-Security-Policy
 * says so); it refers only to files {@link ResultFiles} writes beside it, by relative name, so it
 * works opened from disk. Every text from the model or the user is escaped.
 */
public final class ResultPage {
    private ResultPage() {}

    /** Below this width the image is shown enlarged, by a whole factor, with square pixels. */
    private static final int MIN_SHOWN_WIDTH = 480;

    public static String html(Grounding g, ResultFiles.Source src) {
        int w = g.image().width(), h = g.image().height();
        int zoom = w >= MIN_SHOWN_WIDTH ? 1 : (MIN_SHOWN_WIDTH + w - 1) / w;
        List<Grounding.Phrase> phrases = g.phrases();
        StringBuilder s = new StringBuilder(8192);
        s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' data:; ")
                .append("style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n")
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<title>jground: ").append(escape(g.prompt())).append("</title>\n")
                .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");

        s.append("<div class=\"stage").append(zoom > 1 ? " pixelated" : "").append("\" style=\"width: ").append(w * zoom).append("px\">\n")
                .append("<img src=\"").append(ResultFiles.IMAGE).append("\" alt=\"the input image\" width=\"").append(w)
                .append("\" height=\"").append(h).append("\">\n");
        // heat maps under masks, so a shown mask stays visible over a shown heat map
        for (String kind : new String[] {"heat", "mask"})
            for (int i = 0; i < phrases.size(); i++) {
                Grounding.Phrase p = phrases.get(i);
                int n = i + 1;
                String file = kind.equals("heat") ? ResultFiles.heatMapFile(n) : ResultFiles.maskFile(n);
                s.append("<div class=\"layer\" id=\"").append(kind).append('-').append(n).append("\" hidden>")
                        .append("<img src=\"").append(file).append("\" alt=\"").append(kind).append(" of phrase ").append(n).append("\">");
                if (kind.equals("mask"))   // the heat map has its point drawn in; the mask layer is only the mask
                    s.append("<span class=\"point\" style=\"left: ").append(percent(p.x(), w)).append("%; top: ")
                            .append(percent(p.y(), h)).append("%; --c: ").append(Palette.css(i)).append("\"></span>");
                s.append("</div>\n");
            }
        s.append("</div>\n<section>\n");

        s.append("<p class=\"prompt\"><b>Q:</b> ").append(escape(g.prompt())).append("</p>\n")
                .append("<p class=\"answer\"><b>A:</b> ").append(answer(g)).append("</p>\n");
        if (phrases.isEmpty()) {
            s.append("<p class=\"none\">No phrases found in the answer: nothing to ground.</p>\n");
        } else {
            s.append("<p class=\"hint\">Click a phrase to show its mask; <i>heat</i> shows where the model looked.</p>\n")
                    .append("<p><button type=\"button\" data-all=\"mask\">all masks</button> ")
                    .append("<button type=\"button\" data-all=\"none\">hide all</button></p>\n")
                    .append("<table>\n<thead><tr><th>#</th><th>phrase</th><th>root</th><th>point (x, y)</th><th>score</th><th>show</th></tr></thead>\n<tbody>\n");
            for (int i = 0; i < phrases.size(); i++) {
                Grounding.Phrase p = phrases.get(i);
                int n = i + 1;
                s.append("<tr><td><span class=\"swatch\" style=\"--c: ").append(Palette.css(i)).append("\"></span>").append(n)
                        .append("</td><td>").append(escape(p.text())).append("</td><td>").append(escape(p.root()))
                        .append("</td><td>(").append(p.x()).append(", ").append(p.y()).append(")</td><td>")
                        .append(String.format(Locale.ROOT, "%.3f", p.score())).append("</td><td>")
                        .append(toggle("mask", n, i, "mask")).append(' ').append(toggle("heat", n, i, "heat"))
                        .append("</td></tr>\n");
            }
            s.append("</tbody>\n</table>\n");
        }
        s.append("<p class=\"meta\">").append(w).append("&times;").append(h).append(" image ").append(escape(src.imagePath()))
                .append("<br>model ").append(escape(src.model())).append(", SAM ").append(escape(src.sam()))
                .append("<br><a href=\"").append(ResultFiles.JSON).append("\">").append(ResultFiles.JSON).append("</a> &middot; <a href=\"")
                .append(ResultFiles.OVERLAY).append("\">").append(ResultFiles.OVERLAY).append("</a></p>\n");
        s.append("</section>\n</main>\n<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return s.toString();
    }

    /** The answer, escaped, with each phrase's span a button that toggles its mask (overlapping spans: the first wins). */
    private static String answer(Grounding g) {
        String a = g.answer();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < g.phrases().size(); i++) order.add(i);
        order.sort(Comparator.comparingInt(i -> g.phrases().get(i).start()));
        StringBuilder s = new StringBuilder();
        int at = 0;   // chars of the answer written so far
        for (int i : order) {
            Grounding.Phrase p = g.phrases().get(i);
            int from = a.offsetByCodePoints(0, p.start()), to = a.offsetByCodePoints(0, p.end());
            if (from < at || from == to) continue;
            s.append(escape(a.substring(at, from)))
                    .append(toggle("mask", i + 1, i, escape(a.substring(from, to)) + "<sup>" + (i + 1) + "</sup>"));
            at = to;
        }
        return s.append(escape(a.substring(at))).toString();
    }

    private static String toggle(String kind, int n, int colour, String label) {
        return "<button type=\"button\" class=\"toggle " + kind + "\" data-toggle=\"" + kind + "\" data-n=\"" + n
                + "\" aria-pressed=\"false\" style=\"--c: " + Palette.css(colour) + "; --t: " + textOn(Palette.color(colour))
                + "\">" + label + "</button>";
    }

    /** Black or white, whichever reads better on rgb (WCAG relative luminance, threshold at its geometric middle). */
    private static String textOn(int rgb) {
        double l = 0;
        double[] weight = {0.2126, 0.7152, 0.0722};
        for (int c = 0; c < 3; c++) {
            double v = (rgb >> (16 - 8 * c) & 0xFF) / 255.0;
            l += weight[c] * (v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
        }
        return l > 0.179 ? "#000" : "#fff";
    }

    private static String percent(int coordinate, int size) {
        return String.format(Locale.ROOT, "%.4f", 100.0 * (coordinate + 0.5) / size);
    }

    /** Text for an element or a quoted attribute; control characters but tab and newline become U+FFFD. */
    static String escape(String text) {
        if (text == null) return "";
        StringBuilder s = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c < 0x20 && c != '\t' && c != '\n' || c == 0x7F ? '\uFFFD' : c);
            }
        }
        return s.toString();
    }

    private static final String CSS = """

            body { font: 16px/1.5 system-ui, sans-serif; margin: 1rem; color: #222; background: #fafafa; }
            main { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
            section { flex: 1 1 20rem; min-width: 16rem; }
            .stage { position: relative; flex: none; max-width: 100%; line-height: 0; box-shadow: 0 0 0 1px #ccc; }
            .stage img { display: block; width: 100%; height: auto; }
            .pixelated img { image-rendering: pixelated; }
            .layer { position: absolute; inset: 0; }
            .layer[hidden] { display: none; }
            .layer img { height: 100%; }
            .point { position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; box-sizing: border-box;
                     border-radius: 50%; background: var(--c); border: 3px solid #fff; box-shadow: 0 0 0 1px #000; }
            .answer { white-space: pre-wrap; font-size: 1.1rem; }
            button { font: inherit; cursor: pointer; }
            .toggle { border: 2px solid var(--c); border-radius: 4px; background: #fff; color: #222; padding: 0 .25em; margin: 1px 0; }
            .toggle[aria-pressed="true"] { background: var(--c); color: var(--t); }
            .toggle.heat { border-style: dashed; }
            .swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em; background: var(--c); }
            table { border-collapse: collapse; }
            th, td { text-align: left; padding: .15em .6em .15em 0; border-bottom: 1px solid #ddd; }
            td:first-child, td:nth-child(4), td:last-child { white-space: nowrap; }
            .meta, .hint, .none { color: #555; font-size: .9rem; }
            """;

    private static final String SCRIPT = """

            "use strict";
            function show(kind, n, on) {
              document.getElementById(kind + "-" + n).hidden = !on;
              for (const b of document.querySelectorAll('button[data-toggle="' + kind + '"][data-n="' + n + '"]'))
                b.setAttribute("aria-pressed", String(on));
            }
            for (const b of document.querySelectorAll("button[data-toggle]"))
              b.addEventListener("click", () =>
                show(b.dataset.toggle, b.dataset.n, document.getElementById(b.dataset.toggle + "-" + b.dataset.n).hidden));
            for (const b of document.querySelectorAll("button[data-all]"))
              b.addEventListener("click", () => {
                for (const layer of document.querySelectorAll(".layer")) {
                  const [kind, n] = layer.id.split("-");
                  show(kind, n, kind === b.dataset.all);
                }
              });
            """;
}
