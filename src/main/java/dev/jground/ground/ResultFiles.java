package dev.jground.ground;

import dev.jground.eval.Rle;
import dev.jground.image.ImageFiles;
import dev.jground.image.MaskImages;
import dev.jground.image.Overlays;
import dev.jground.image.Palette;
import dev.jground.image.PilResize;
import dev.jground.image.RgbImage;
import dev.jground.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A {@link Grounding} as files in one directory, for people and for programs:
 * <ul>
 * <li>{@code result.json}: the answer, and per phrase its span, root, tokens, point, score and
 *     mask as COCO compressed RLE ({@code {"size": [h, w], "counts": "..."}}, as pycocotools reads);
 * <li>{@code image.png}: the input as read; {@code overlay.png}: every mask in its colour, points, legend;
 * <li>{@code heatmap-N.png}: phrase N's attention over the image; {@code mask-N.png}: its mask as a
 *     see-through layer (N from 1, in answer order);
 * <li>{@code index.html}: a page that shows them all from this directory alone ({@link ResultPage}).
 * </ul>
 * Everything is written into a hidden sibling directory first, so a run that fails leaves the
 * target as it was.
 */
public final class ResultFiles {
    private ResultFiles() {}

    /** Where a grounding came from, as the user named it: recorded in result.json and shown on the page. */
    public record Source(String imagePath, String model, String sam, Map<String, Object> settings) {
        public Source(String imagePath, String model, String sam) { this(imagePath, model, sam, Map.of()); }
    }

    public static final String JSON = "result.json", IMAGE = "image.png", OVERLAY = "overlay.png", PAGE = "index.html";

    /** Phrase n's (from 1) heat map and mask layer. */
    public static String heatMapFile(int n) { return "heatmap-" + n + ".png"; }

    public static String maskFile(int n) { return "mask-" + n + ".png"; }

    private static final Pattern PER_PHRASE = Pattern.compile("(heatmap|mask)-[0-9]+\\.png");

    /**
     * Writes the result into outDir. A new outDir appears whole, by one rename of the finished
     * temporary directory. An existing one gets each file replaced by an atomic rename, and the
     * heatmap-N/mask-N files of an earlier run with more phrases removed; other files in it are kept.
     * On failure the temporary directory is deleted and outDir is untouched.
     */
    public static void write(Grounding g, Source src, Path outDir) throws IOException {
        Path target = outDir.toAbsolutePath().normalize();
        if (Files.exists(target) && !Files.isDirectory(target)) throw new IOException(outDir + ": exists and is not a directory");
        Path parent = target.getParent();
        if (parent == null) throw new IOException(outDir + ": not a directory results can be written to");
        Files.createDirectories(parent);
        // not createTempDirectory: its 0700 would become the result's own mode at the rename
        Path tmp = Files.createDirectory(parent.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Long.toUnsignedString(System.nanoTime(), 36)));
        try {
            List<String> files = writeAll(g, src, tmp);
            install(tmp, target, files);
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Writes every file into dir; returns their names, the page last. */
    private static List<String> writeAll(Grounding g, Source src, Path dir) throws IOException {
        RgbImage image = g.image();
        int w = image.width(), h = image.height();
        List<String> files = new ArrayList<>();
        ImageFiles.writePng(image, dir.resolve(IMAGE));
        files.add(IMAGE);
        List<Map<String, Object>> phrases = new ArrayList<>();
        List<byte[]> masks = new ArrayList<>();
        List<int[]> points = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < g.phrases().size(); i++) {
            Grounding.Phrase p = g.phrases().get(i);
            int n = i + 1;
            check(g, p, n);
            files.add(heatMapFile(n));
            files.add(maskFile(n));
            phrases.add(phraseJson(p, n, w, h));
            masks.add(p.mask());
            points.add(new int[] {p.x(), p.y()});
            labels.add(p.text());
        }
        writeLayers(g, dir);
        ImageFiles.writePng(Overlays.overlay(image, masks, points, labels), dir.resolve(OVERLAY));
        files.add(OVERLAY);
        writeUtf8(dir.resolve(JSON), Json.write(json(g, src, phrases)) + "\n");
        files.add(JSON);
        writeUtf8(dir.resolve(PAGE), ResultPage.html(g, src));
        files.add(PAGE);
        return files;
    }

    /**
     * Heat maps and mask layers are the page's, shown scaled to the page: a photo larger than this
     * on its long side gets them at this size (a 12-megapixel photo's 3), which spares the run
     * most of its PNG encoding and the browser most of its memory.
     */
    static final int LAYER_MAX_SIDE = 2048;

    /** Every phrase's heat map and mask layer, phrases in parallel. */
    private static void writeLayers(Grounding g, Path dir) throws IOException {
        RgbImage image = g.image();
        int w = image.width(), h = image.height();
        double scale = Math.min(1.0, (double) LAYER_MAX_SIDE / Math.max(w, h));
        int lw = Math.max(1, (int) Math.round(w * scale)), lh = Math.max(1, (int) Math.round(h * scale));
        RgbImage base = scale < 1 ? PilResize.resize(image, lw, lh, PilResize.Filter.BILINEAR) : image;
        try {
            IntStream.range(0, g.phrases().size()).parallel().forEach(i -> {
                Grounding.Phrase p = g.phrases().get(i);
                int x = (int) ((long) p.x() * lw / w), y = (int) ((long) p.y() * lh / h);
                byte[] mask = scale < 1 ? nearest(p.mask(), w, h, lw, lh) : p.mask();
                try {
                    ImageFiles.writePng(Overlays.heatMap(base, g.heatMap(p, lw, lh), x, y, Palette.color(i)), dir.resolve(heatMapFile(i + 1)));
                    ImageFiles.writeRgbaPng(lw, lh, MaskImages.layer(mask, lw, lh, Palette.color(i), Overlays.MASK_ALPHA), dir.resolve(maskFile(i + 1)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The mask sampled at the centres of a smaller grid's cells. */
    private static byte[] nearest(byte[] mask, int w, int h, int lw, int lh) {
        byte[] out = new byte[lw * lh];
        for (int y = 0; y < lh; y++) {
            int sy = Math.min(h - 1, (int) ((y + 0.5) * h / lh));
            for (int x = 0; x < lw; x++) out[y * lw + x] = mask[sy * w + Math.min(w - 1, (int) ((x + 0.5) * w / lw))];
        }
        return out;
    }

    /** What result.json promises of a phrase, checked before it is written. */
    private static void check(Grounding g, Grounding.Phrase p, int n) {
        int w = g.image().width(), h = g.image().height();
        String which = "phrase " + n + " \"" + p.text() + "\"";
        if (p.mask().length != (long) w * h)
            throw new IllegalArgumentException(which + ": a mask of " + p.mask().length + " pixels for a " + w + "x" + h + " image");
        int length = g.answer().codePointCount(0, g.answer().length());
        if (p.start() < 0 || p.start() > p.end() || p.end() > length)
            throw new IllegalArgumentException(which + ": span [" + p.start() + ", " + p.end() + ") outside the answer of " + length + " characters");
        if (!g.span(p.start(), p.end()).equals(p.text()))
            throw new IllegalArgumentException(which + ": the answer has \"" + g.span(p.start(), p.end()) + "\" at [" + p.start() + ", " + p.end() + ")");
        if (p.x() < 0 || p.y() < 0 || p.x() >= w || p.y() >= h)
            throw new IllegalArgumentException(which + ": point (" + p.x() + ", " + p.y() + ") outside the " + w + "x" + h + " image");
    }

    private static Map<String, Object> phraseJson(Grounding.Phrase p, int n, int w, int h) {
        Rle rle = Rle.encode(p.mask(), h, w);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", n);
        m.put("text", p.text());
        m.put("start", p.start());
        m.put("end", p.end());
        m.put("root", p.root());
        m.put("tokens", p.tokens());
        m.put("point", List.of(p.x(), p.y()));
        // the float's shortest decimal, not its double expansion (0.93, not 0.9300000071525574)
        m.put("score", Float.isFinite(p.score()) ? Double.valueOf(Float.toString(p.score())) : null);
        m.put("mask", rle.toCoco());
        m.put("area", rle.area());
        m.put("bbox", rle.toBbox());
        m.put("color", Palette.css(n - 1));
        m.put("heatmap", heatMapFile(n));
        m.put("mask_layer", maskFile(n));
        return m;
    }

    private static Map<String, Object> json(Grounding g, Source src, List<Map<String, Object>> phrases) {
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("path", src.imagePath());
        image.put("width", g.image().width());
        image.put("height", g.image().height());
        image.put("file", IMAGE);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image", image);
        m.put("model", src.model());
        m.put("sam", src.sam());
        if (!src.settings().isEmpty()) m.put("settings", src.settings());
        m.put("prompt", g.prompt());
        m.put("answer", g.answer());
        m.put("tokens", g.tokens());
        m.put("grid", g.grid());
        m.put("overlay", OVERLAY);
        m.put("page", PAGE);
        m.put("phrases", phrases);
        return m;
    }

    /** UTF-8; a lone surrogate (which no decoder should have produced) becomes '?' rather than an error. */
    private static void writeUtf8(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void install(Path tmp, Path target, List<String> files) throws IOException {
        if (Files.notExists(target)) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (FileAlreadyExistsException raced) {
                // another process made it meanwhile: replace file by file below
            }
        }
        for (String f : files)
            Files.move(tmp.resolve(f), target.resolve(f), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (Stream<Path> old = Files.list(target)) {
            for (Path p : old.toList()) {
                String name = p.getFileName().toString();
                if (PER_PHRASE.matcher(name).matches() && !files.contains(name)) Files.delete(p);
            }
        }
        Files.delete(tmp);
    }

    /** Removes a directory and everything in it; nothing to do when it is not there. */
    static void deleteTree(Path dir) throws IOException {
        if (Files.notExists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
