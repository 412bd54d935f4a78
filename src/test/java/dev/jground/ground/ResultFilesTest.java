package dev.jground.ground;

import dev.jground.eval.Rle;
import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.jground.ground.SyntheticGroundings.*;
import static org.junit.jupiter.api.Assertions.*;

class ResultFilesTest {
    @TempDir Path tmp;

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> m = new HashMap<>();
        for (String n : names(dir)) m.put(n, Files.readAllBytes(dir.resolve(n)));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path dir) { return (Map<String, Object>) Json.parse(dir.resolve("result.json")); }

    @Test void writesEveryFileAndResultJsonReadsBack() throws IOException {
        Path out = tmp.resolve("out");
        Grounding g = three();
        ResultFiles.write(g, SOURCE, out);

        assertEquals(new TreeSet<>(List.of("result.json", "image.png", "overlay.png", "index.html",
                "heatmap-1.png", "heatmap-2.png", "heatmap-3.png", "mask-1.png", "mask-2.png", "mask-3.png")), names(out));
        assertEquals(Set.of("out"), names(tmp), "no temporary directory left beside it");

        Map<String, Object> r = json(out);
        assertEquals(Map.of("path", SOURCE.imagePath(), "width", (long) W, "height", (long) H, "file", "image.png"), r.get("image"));
        assertEquals("llava-tiny", r.get("model"));
        assertEquals("sam-vit-b", r.get("sam"));
        assertEquals(PROMPT, r.get("prompt"));   // a quote, angle brackets and a control character survive
        assertEquals(ANSWER, r.get("answer"));   // newline and an emoji too
        List<?> phrases = (List<?>) r.get("phrases");
        assertEquals(3, phrases.size());
        int[] answer = ANSWER.codePoints().toArray();
        for (int i = 0; i < 3; i++) {
            Map<?, ?> p = (Map<?, ?>) phrases.get(i);
            Grounding.Phrase want = g.phrases().get(i);
            int start = ((Long) p.get("start")).intValue(), end = ((Long) p.get("end")).intValue();
            // as Python slices: code points, so after the emoji start is one less than the char index
            assertEquals(p.get("text"), new String(answer, start, end - start));
            assertEquals(want.text(), p.get("text"));
            assertEquals(want.root(), p.get("root"));
            assertEquals(List.of((long) want.tokens()[0]), p.get("tokens"));
            assertEquals(List.of((long) want.x(), (long) want.y()), p.get("point"));
            assertEquals(want.score(), ((Double) p.get("score")).floatValue());
            Map<?, ?> mask = (Map<?, ?>) p.get("mask");
            assertEquals(List.of((long) H, (long) W), mask.get("size"));
            assertArrayEquals(want.mask(), Rle.fromString((String) mask.get("counts"), H, W).decode(), "phrase " + (i + 1));
        }
        assertEquals(ANSWER.indexOf("green bars") - 1L, ((Map<?, ?>) phrases.get(2)).get("start"), "the emoji is two chars, one code point");
        assertEquals(0.93, ((Map<?, ?>) phrases.getFirst()).get("score"), "the float's own decimal, not 0.9300000071525574");
    }

    @Test void layersOfALargePhotoAreWrittenAtThePagesSize(@TempDir Path tmp) throws IOException {
        // 2100 x 30: the long side is over 2048, so layers are 2048 x round(30 * 2048 / 2100) = 2048 x 29
        int w = 2100, h = 30;
        byte[] px = new byte[w * h * 3], mask = new byte[w * h];
        for (int y = 0; y < h; y++) for (int x = 1000; x < 1100; x++) mask[y * w + x] = 1;
        float[] map = new float[GRID * GRID];
        map[5] = 1;
        String answer = "a bar";
        Grounding g = new Grounding(new RgbImage(w, h, px), PROMPT, answer, new int[] {263, 2594}, GRID,
                List.of(new Grounding.Phrase("a bar", 0, 5, "bar", new int[] {1}, map, 1050, 15, 0.9f, mask)));
        Path out = tmp.resolve("big");
        ResultFiles.write(g, SOURCE, out);
        for (String f : List.of(ResultFiles.heatMapFile(1), ResultFiles.maskFile(1))) {
            BufferedImage layer = ImageIO.read(out.resolve(f).toFile());
            assertEquals(2048, layer.getWidth(), f);
            assertEquals(29, layer.getHeight(), f);
        }
        BufferedImage layer = ImageIO.read(out.resolve(ResultFiles.maskFile(1)).toFile());
        // the mask covers x in [1000, 1100) of 2100: layer columns [975.2, 1072.8) of 2048
        assertTrue((layer.getRGB(1024, 14) >>> 24) > 0, "inside the mask");
        assertEquals(0, layer.getRGB(900, 14) >>> 24, "outside the mask");
        assertEquals(0, layer.getRGB(1100, 14) >>> 24, "outside the mask");
        assertEquals(w, ImageIO.read(out.resolve(ResultFiles.OVERLAY).toFile()).getWidth(), "the overlay keeps the image's size");
    }

    @Test void overlayIsTheImageSizeAndTintedInsideTheMasksOnly() throws IOException {
        Path out = tmp.resolve("out");
        ResultFiles.write(three(), SOURCE, out);
        RgbImage image = image(), overlay = ImageFiles.read(out.resolve("overlay.png"));
        assertEquals(W, overlay.width());
        assertEquals(H, overlay.height());
        assertArrayEquals(image.pixels(), ImageFiles.read(out.resolve("image.png")).pixels());
        // inside each mask, away from its point marker, the legend and the outline
        for (int[] at : new int[][] {{20, 42}, {66, 37}, {86, 55}}) {
            int diff = 0;
            for (int c = 0; c < 3; c++) diff += Math.abs(overlay.get(at[0], at[1], c) - image.get(at[0], at[1], c));
            assertTrue(diff > 30, "pixel " + at[0] + "," + at[1] + " is tinted");
        }
        for (int[] at : new int[][] {{40, 60}, {75, 50}, {94, 62}})
            for (int c = 0; c < 3; c++) assertEquals(image.get(at[0], at[1], c), overlay.get(at[0], at[1], c), "outside every mask");
    }

    @Test void oneHeatMapAndOneMaskLayerPerPhrase() throws IOException {
        Path out = tmp.resolve("out");
        ResultFiles.write(three(), SOURCE, out);
        long heat = names(out).stream().filter(n -> n.startsWith("heatmap-")).count();
        assertEquals(3, heat);
        for (int n = 1; n <= 3; n++) {
            RgbImage h = ImageFiles.read(out.resolve("heatmap-" + n + ".png"));
            assertEquals(W, h.width());
            assertEquals(H, h.height());
            BufferedImage layer = ImageIO.read(out.resolve("mask-" + n + ".png").toFile());
            assertEquals(W, layer.getWidth());
            byte[] mask = three().phrases().get(n - 1).mask();
            for (int i = 0; i < W * H; i++) {
                int alpha = layer.getRGB(i % W, i / W) >>> 24;
                assertEquals(mask[i] != 0, alpha > 0, "mask-" + n + " alpha at " + i);
            }
        }
    }

    @Test void thePageRefersOnlyToFilesBesideItAndEscapesText() throws IOException {
        Path out = tmp.resolve("out");
        ResultFiles.write(three(), SOURCE, out);
        String html = Files.readString(out.resolve("index.html"));
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        int refs = 0;
        while (m.find()) {
            String ref = m.group(1);
            if (ref.equals("data:,")) continue;   // the empty favicon, so the browser asks for none
            assertFalse(ref.contains("/") || ref.contains(":"), "relative name: " + ref);
            assertTrue(Files.isRegularFile(out.resolve(ref)), ref + " exists");
            refs++;
        }
        assertEquals(1 + 3 + 3 + 2, refs, "image, heat maps, mask layers, result.json and overlay.png");
        assertFalse(html.contains("<b>red"), "the answer's markup is text, not markup");
        assertTrue(html.contains("&lt;b&gt;red disc&lt;/b&gt;"));
        // the answer paragraph, its phrase numbers and tags taken out and entities read, is the answer
        Matcher answer = Pattern.compile("<p class=\"answer\"><b>A:</b> (.*?)</p>", Pattern.DOTALL).matcher(html);
        assertTrue(answer.find());
        String text = answer.group(1).replaceAll("<sup>[0-9]+</sup>", "").replaceAll("<[^>]*>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
        assertEquals(ANSWER, text);
        assertTrue(html.contains("&lt;shapes&gt; &amp; &quot;co&quot;"), "the image path is escaped");
        assertFalse(html.contains("\u0007"), "control characters are replaced");
        assertFalse(html.contains("http:") || html.contains("https:"), "nothing from the network");
    }

    @Test void noPhrasesStillMakesAPage() throws IOException {
        Path out = tmp.resolve("out");
        ResultFiles.write(of(List.of()), SOURCE, out);
        assertEquals(new TreeSet<>(List.of("result.json", "image.png", "overlay.png", "index.html")), names(out));
        assertEquals(List.of(), json(out).get("phrases"));
        assertArrayEquals(image().pixels(), ImageFiles.read(out.resolve("overlay.png")).pixels(), "nothing drawn: no legend for no phrases");
        assertTrue(Files.readString(out.resolve("index.html")).contains("No phrases found"));
    }

    /** Phrase 2's mask has the wrong size, so writing fails after phrase 1's files were made. */
    private static Grounding brokenSecondPhrase() {
        Grounding g = three();
        Grounding.Phrase p = g.phrases().get(1);
        return of(List.of(g.phrases().get(0), new Grounding.Phrase(p.text(), p.start(), p.end(), p.root(), p.tokens(), p.map(),
                p.x(), p.y(), p.score(), new byte[W * H - 1]), g.phrases().get(2)));
    }

    @Test void aFailedRunLeavesNoDirectoryAndNoTemporaryFiles() {
        Path out = tmp.resolve("out");
        var e = assertThrows(IllegalArgumentException.class, () -> ResultFiles.write(brokenSecondPhrase(), SOURCE, out));
        assertTrue(e.getMessage().startsWith("phrase 2 \"blue square\": a mask of 6143 pixels"), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(0, tmp.toFile().list().length, "the temporary directory is gone");
    }

    @Test void aFailedRunLeavesAnEarlierResultAsItWas() throws IOException {
        Path out = tmp.resolve("out");
        ResultFiles.write(of(three().phrases().subList(0, 1)), SOURCE, out);
        Map<String, byte[]> before = contents(out);
        assertThrows(IllegalArgumentException.class, () -> ResultFiles.write(brokenSecondPhrase(), SOURCE, out));
        Map<String, byte[]> after = contents(out);
        assertEquals(before.keySet(), after.keySet());
        for (String n : before.keySet()) assertArrayEquals(before.get(n), after.get(n), n);
        assertEquals(Set.of("out"), names(tmp));
    }

    @Test void aRerunReplacesFilesAndDropsPhrasesItNoLongerHas() throws IOException {
        Path out = tmp.resolve("out");
        ResultFiles.write(three(), SOURCE, out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        ResultFiles.write(of(three().phrases().subList(1, 2)), SOURCE, out);
        assertEquals(new TreeSet<>(List.of("result.json", "image.png", "overlay.png", "index.html", "heatmap-1.png", "mask-1.png",
                "notes.txt")), names(out));
        List<?> phrases = (List<?>) json(out).get("phrases");
        assertEquals("blue square", ((Map<?, ?>) phrases.getFirst()).get("text"));
        assertEquals(Set.of("out"), names(tmp));
    }

    @Test void refusesAnOutDirThatIsAFileAndASpanThatIsNotTheText() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        var e = assertThrows(IOException.class, () -> ResultFiles.write(three(), SOURCE, file));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());

        Grounding.Phrase p = three().phrases().getFirst();
        Grounding shifted = of(List.of(new Grounding.Phrase(p.text(), p.start() + 1, p.end() + 1, p.root(), p.tokens(), p.map(),
                p.x(), p.y(), p.score(), p.mask())));
        var e2 = assertThrows(IllegalArgumentException.class, () -> ResultFiles.write(shifted, SOURCE, tmp.resolve("out")));
        assertTrue(e2.getMessage().startsWith("phrase 1 \"<b>red disc</b>\": the answer has \"b>red disc</b> \""), e2.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
