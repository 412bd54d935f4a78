package dev.jground.cli;

import dev.jground.ground.Grounder;
import dev.jground.ground.Grounding;
import dev.jground.ground.ResultFiles;
import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.nn.Backend;
import dev.jground.io.JsonObject;
import dev.jground.text.ChatTemplate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jground ground --image IMG [--prompt TEXT] [--model DIR] [--sam DIR] [--out DIR] ...}:
 * attend-and-segment. The answer streams to stdout as it is written, then comes again with
 * each grounded phrase marked and numbered, one line per phrase; progress goes to stderr; the
 * result files ({@link ResultFiles}) appear in --out all at once, or not at all.
 */
final class Ground {
    private Ground() {}

    static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Options o = Options.parse(args, List.of("image", "prompt", "model", "sam", "out", "max-tokens", "heads", "offset",
                "mask", "template", "tokenizer", "threads", "backend", "device"), List.of("normalize", "no-normalize"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        Path imageFile = Path.of(o.required("image"));
        Path outDir = Path.of(o.get("out", defaultOut(imageFile)));
        String prompt = o.get("prompt", Chat.DEFAULT_PROMPT);
        if (prompt.isBlank()) throw new UsageException("--prompt is empty");
        checkOut(outDir);
        Home.Models models = Home.models(o);
        Grounder.Options options = options(o, readOutDefaults(models.llava()));
        Path model = models.llava(), sam = models.sam();
        if (models.note() != null) err.println(models.note());

        RgbImage image = ImageFiles.read(imageFile);
        long t0 = System.nanoTime();
        Grounding g;
        try (Backend b = Backends.open(o)) {
            err.printf(Locale.ROOT, "loading %s and %s on %s ...%n", model, sam, b.name());
            try (Grounder grounder = Grounder.open(model, models.tokenizer(), sam, b)) {
                g = grounder.ground(image, prompt, options, new Grounder.Listener() {
                    boolean midLine;   // the streamed answer's line is open: end it before a progress line

                    @Override public void stage(String what) {
                        if (midLine) { out.println(); out.flush(); midLine = false; }
                        err.println(what + " ...");
                    }

                    @Override public void text(String piece) {
                        out.print(piece);
                        out.flush();
                        midLine |= !piece.isEmpty();
                    }
                });
            }
        }
        out.println();
        out.println(marked(g));
        for (int i = 0; i < g.phrases().size(); i++) {
            Grounding.Phrase p = g.phrases().get(i);
            int area = 0;
            for (byte m : p.mask()) area += m;
            out.printf(Locale.ROOT, "%2d  %-32s root %-14s point (%d, %d)  score %.3f  mask %d px%n",
                    i + 1, quoted(p.text()), quoted(p.root()), p.x(), p.y(), p.score(), area);
        }
        err.println("writing " + outDir + " ...");
        ResultFiles.write(g, new ResultFiles.Source(imageFile.toString(), model.toString(), sam.toString(), options.describe()), outDir);
        err.printf(Locale.ROOT, "wrote %s (result.json, overlay.png, index.html, %d heat map%s) in %.1f s%n",
                outDir, g.phrases().size(), g.phrases().size() == 1 ? "" : "s", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /**
     * A model folder may say which read-out suits it best, as measured by {@code jground eval}:
     * grounding.json with any of "heads", "offset", "mask" (as the options spell them) and
     * "normalize"; the options given on the command line win.
     */
    static JsonObject readOutDefaults(Path model) {
        Path file = model.resolve("grounding.json");
        return Files.isRegularFile(file) ? JsonObject.parse(file) : JsonObject.of(Map.of());
    }

    static Grounder.Options options(Options o, JsonObject model) {
        Grounder.Options d = Grounder.Options.DEFAULT;
        int maxTokens = o.integer("max-tokens", d.maxTokens());
        if (maxTokens < 1) throw new UsageException("--max-tokens must be at least 1, got " + maxTokens);
        Grounder.Options out = d.withMaxTokens(maxTokens).withOffset(offset(o, model)).withNormalize(normalize(o, model))
                .withMask(choice(o, "mask", choiceOf(model, "mask", d.mask()), Grounder.MaskChoice.class))
                .withTemplate(ChatTemplate.of(o.get("template", d.template().id())));
        return heads(out, o.get("heads", model.string("heads", "official")));
    }

    /** o reading out the heads named: official, all, or layer:head pairs. */
    static Grounder.Options heads(Grounder.Options o, String heads) {
        return switch (heads) {
            case "official" -> o.withHeads(Grounder.Heads.OFFICIAL);
            case "all" -> o.withHeads(Grounder.Heads.ALL);
            default -> o.withPairs(pairs(heads));
        };
    }

    /** --offset 0|1, else the model's grounding.json, else the paper's 0. */
    static int offset(Options o, JsonObject model) {
        int offset = o.integer("offset", model.integer("offset", Grounder.Options.DEFAULT.offset()));
        if (offset != 0 && offset != 1) throw new UsageException("--offset must be 0 or 1, got " + offset);
        return offset;
    }

    /** --normalize / --no-normalize, else the model's grounding.json, else the paper's normalised maps. */
    static boolean normalize(Options o, JsonObject model) {
        if (o.flag("normalize") && o.flag("no-normalize")) throw new UsageException("--normalize and --no-normalize contradict");
        return o.flag("normalize") || !o.flag("no-normalize") && model.bool("normalize", Grounder.Options.DEFAULT.normalize());
    }

    /** "3:30,4:7" -> {{3, 30}, {4, 7}}: layer:head pairs, 0-based. */
    private static int[][] pairs(String value) {
        String[] items = value.split(",", -1);
        int[][] out = new int[items.length][];
        for (int i = 0; i < items.length; i++) {
            String[] lh = items[i].trim().split(":", -1);
            try {
                if (lh.length != 2) throw new NumberFormatException();
                out[i] = new int[] {Integer.parseInt(lh[0].trim()), Integer.parseInt(lh[1].trim())};
            } catch (NumberFormatException e) {
                throw new UsageException("--heads must be official, all or layer:head pairs like 3:30,4:7, got '" + value + "'");
            }
        }
        return out;
    }

    private static <E extends Enum<E>> E choiceOf(JsonObject model, String key, E def) {
        String v = model.string(key, null);
        if (v == null) return def;
        for (E e : def.getDeclaringClass().getEnumConstants()) if (e.name().toLowerCase(Locale.ROOT).equals(v)) return e;
        throw new IllegalArgumentException(model.source() + ": \"" + key + "\" is '" + v + "'");
    }

    /** An enum option by its constant's name in lower case. */
    private static <E extends Enum<E>> E choice(Options o, String name, E def, Class<E> type) {
        String v = o.get(name, def.name().toLowerCase(Locale.ROOT));
        for (E e : type.getEnumConstants()) if (e.name().toLowerCase(Locale.ROOT).equals(v)) return e;
        StringBuilder all = new StringBuilder();
        for (E e : type.getEnumConstants()) all.append(all.isEmpty() ? "" : "|").append(e.name().toLowerCase(Locale.ROOT));
        throw new UsageException("--" + name + " must be " + all + ", got '" + v + "'");
    }

    /** photo.jpg -> photo.ground, beside the working directory's other files. */
    private static String defaultOut(Path image) {
        String name = image.getFileName() == null ? "image" : image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ".ground";
    }

    /** Refused before any slow work: an --out that can never be written. */
    private static void checkOut(Path outDir) throws IOException {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new IOException("--out " + outDir + " is a file, not a directory");
        Path parent = outDir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) throw new IOException("--out " + outDir + ": no such parent directory " + parent);
        if (!Files.isWritable(parent)) throw new IOException("--out " + outDir + ": cannot write in " + parent);
    }

    /** The answer with each phrase in brackets, numbered: "a [black cat]1 on [the sofa]2". */
    static String marked(Grounding g) {
        StringBuilder s = new StringBuilder();
        int at = 0;     // code points of the answer already copied
        for (int i = 0; i < g.phrases().size(); i++) {
            Grounding.Phrase p = g.phrases().get(i);
            s.append(g.span(at, p.start())).append('[').append(p.text()).append(']').append(i + 1);
            at = p.end();
        }
        return s.append(g.span(at, g.answer().codePointCount(0, g.answer().length()))).toString().strip();
    }

    private static String quoted(String s) { return '"' + s + '"'; }
}
