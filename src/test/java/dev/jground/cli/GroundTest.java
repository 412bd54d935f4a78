package dev.jground.cli;

import dev.jground.eval.Rle;
import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jground ground end to end on the tiny golden LLaVA and SAM and a real photo: the text is word
 * salad, but every file must be valid and agree with every other.
 */
class GroundTest {
    static final String LLAVA = ChatTest.CASE.toString(), SAM = "src/test/resources/golden/sam-tiny";

    static String[] ground(int status, Path image, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("ground", "--model", LLAVA, "--tokenizer", ChatTest.TOKENIZER,
                "--sam", SAM, "--image", image.toString(), "--out", out.toString(), "--threads", "2"));
        args.addAll(List.of(more));
        return MainTest.run(status, args.toArray(String[]::new));
    }

    @Test void writesConsistentResults(@TempDir Path tmp) throws Exception {
        Path photo = ChatTest.photo(tmp), out = tmp.resolve("result");
        String[] io = ground(0, photo, out, "--max-tokens", "40");
        RgbImage image = ImageFiles.read(photo);

        JsonObject r = JsonObject.parse(out.resolve("result.json"));
        String answer = r.string("answer");
        assertTrue(io[0].startsWith(answer), "the answer streams first: " + io[0]);
        assertEquals(photo.toString(), r.object("image").string("path"));
        assertEquals(image.width(), r.object("image").integer("width", -1));
        assertEquals(image.height(), r.object("image").integer("height", -1));
        assertEquals(LLAVA, r.string("model"));
        assertEquals(SAM, r.string("sam"));
        assertEquals("Describe the image in detail.", r.string("prompt"));
        List<?> phrases = (List<?>) r.get("phrases");
        assertFalse(phrases.isEmpty(), "40 tokens of the tiny model's answer hold noun phrases: " + answer);
        int[] cps = answer.codePoints().toArray();
        for (int i = 0; i < phrases.size(); i++) {
            JsonObject p = JsonObject.of((Map<String, Object>) phrases.get(i), "phrase " + i);
            int start = p.integer("start", -1), end = p.integer("end", -1);
            assertTrue(0 <= start && start < end && end <= cps.length, start + ".." + end);
            assertEquals(new String(cps, start, end - start), p.string("text"));
            assertTrue(p.string("text").contains(p.string("root")));
            double[] point = p.doubleArray("point");
            assertTrue(point[0] >= 0 && point[0] < image.width() && point[1] >= 0 && point[1] < image.height());
            double score = p.number("score", Double.NaN);
            assertTrue(Double.isFinite(score));
            JsonObject mask = p.object("mask");
            assertArrayEquals(new double[] {image.height(), image.width()}, mask.doubleArray("size"));
            byte[] decoded = Rle.fromString(mask.string("counts"), image.height(), image.width()).decode();
            assertEquals(image.width() * image.height(), decoded.length);
            assertTrue(io[0].contains("]" + (i + 1)), "phrase " + (i + 1) + " is marked in " + io[0]);
        }

        RgbImage overlay = ImageFiles.read(out.resolve("overlay.png"));
        assertEquals(image.width(), overlay.width());
        assertEquals(image.height(), overlay.height());
        // every file the page names exists, and the page names every heat map
        String html = Files.readString(out.resolve("index.html"));
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"#:]+)\"").matcher(html);
        int referenced = 0;
        while (m.find()) {
            assertTrue(Files.isRegularFile(out.resolve(m.group(1))), "index.html references missing " + m.group(1));
            referenced++;
        }
        assertTrue(referenced > 0);
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertEquals(phrases.size(), names.stream().filter(n -> n.startsWith("heatmap-")).count(), names.toString());
            for (String n : names) if (n.endsWith(".png") && !n.equals("overlay.png")) assertTrue(html.contains(n), n + " not on the page");
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(".")).toList(), "no temporary left");
        }
    }

    @Test void badInputFailsWithOneLineAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path photo = ChatTest.photo(tmp), out = tmp.resolve("out");
        // a SAM directory holding a LLaVA checkpoint, and the reverse
        String err = MainTest.run(2, "ground", "--model", LLAVA, "--tokenizer", ChatTest.TOKENIZER, "--sam", LLAVA,
                "--image", photo.toString(), "--out", out.toString())[1];
        assertEquals("jground ground: --sam " + LLAVA + " holds a LlavaForConditionalGeneration checkpoint, expected SamModel", error(err));
        err = MainTest.run(2, "ground", "--model", SAM, "--tokenizer", ChatTest.TOKENIZER, "--sam", SAM,
                "--image", photo.toString(), "--out", out.toString())[1];
        assertEquals("jground ground: --model " + SAM + " holds a SamModel checkpoint, expected LlavaForConditionalGeneration or LlavaLlamaForCausalLM (DiffLMM)", error(err));
        // a LLaVA without a SAM: the real one is not under weights/ (the tests run in the repository), and a
        // named LLaVA is not paired with the demo's SAM
        err = MainTest.run(2, "ground", "--model", LLAVA, "--image", photo.toString(), "--out", out.toString())[1];
        assertEquals("jground ground: no --sam given and no weights/sam-vit-huge; tools/fetch_weights.sh sam-vit-huge "
                + "downloads it, or name a checkpoint with --sam DIR\n", err);
        // a prompt longer than the context
        err = ground(2, photo, out, "--prompt", "word ".repeat(600))[1];
        assertTrue(error(err).matches("jground ground: the prompt is \\d+ tokens with the image's 36, longer than the model's context of 512"), err);
        // a model directory missing a shard
        Path sharded = tmp.resolve("sharded");
        Files.createDirectories(sharded);
        for (String f : List.of("config.json", "preprocessor_config.json")) Files.copy(ChatTest.CASE.resolve(f), sharded.resolve(f));
        Files.writeString(sharded.resolve("model.safetensors.index.json"),
                "{\"metadata\": {}, \"weight_map\": {\"language_model.lm_head.weight\": \"model-00001-of-00002.safetensors\"}}");
        err = MainTest.run(2, "ground", "--model", sharded.toString(), "--tokenizer", ChatTest.TOKENIZER, "--sam", SAM,
                "--image", photo.toString(), "--out", out.toString())[1];
        assertTrue(error(err).startsWith("jground ground: ") && error(err).contains("model-00001-of-00002.safetensors"), err);
        // not an image; options out of range
        Path junk = tmp.resolve("junk.jpg");
        Files.writeString(junk, "not a jpeg");
        err = ground(2, junk, out)[1];
        assertTrue(err.startsWith("jground ground: " + junk), err);
        assertTrue(ground(2, photo, out, "--heads", "some")[1].contains("--heads must be official, all or layer:head pairs"));
        assertTrue(ground(2, photo, out, "--heads", "9:0")[1].contains("(layer, head) [9, 0] is not in 3 layers x 4 heads"));
        assertTrue(ground(2, photo, out, "--offset", "2")[1].contains("--offset must be 0 or 1, got 2"));
        assertTrue(ground(2, photo, out, "--mask", "first")[1].contains("--mask must be third|best, got 'first'"));
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        assertTrue(ground(2, photo, file)[1].contains("is a file, not a directory"));
        assertFalse(Files.exists(out), "a failed run leaves no output");
    }

    /** The error: the last line of stderr, after any progress lines, and the only one that starts "jground". */
    static String error(String err) {
        String[] lines = err.split("\n");
        assertEquals(1, java.util.Arrays.stream(lines).filter(l -> l.startsWith("jground")).count(), err);
        return lines[lines.length - 1];
    }

    @Test void withoutModelsTheBundledDemoRunsAndSaysSo(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        String[] io = MainTest.run(0, "ground", "--image", "weights/demo/scene.png", "--out", out.toString(), "--threads", "2");
        assertTrue(io[1].startsWith("no --model or --sam given and no weights/llava-1.5-7b-hf: using the bundled demo"), io[1]);
        JsonObject r = JsonObject.parse(out.resolve("result.json"));
        assertEquals("weights/demo/llava", r.string("model"));
        assertEquals("weights/demo/sam", r.string("sam"));
        assertFalse(((List<?>) r.get("phrases")).isEmpty(), "the demo names shapes: " + r.string("answer"));
        // the read-out its grounding.json names (measured best on held-out scenes), not the paper's
        JsonObject settings = r.object("settings");
        JsonObject chosen = JsonObject.parse(Path.of("weights/demo/llava/grounding.json"));
        String heads = chosen.string("heads");
        if (heads.equals("official") || heads.equals("all")) {
            assertEquals(heads, settings.string("heads"));
        } else {  // layer:head pairs
            assertEquals("listed", settings.string("heads"));
            assertEquals(java.util.Arrays.stream(heads.split(",")).map(p -> java.util.Arrays.stream(p.split(":")).map(Long::valueOf).toList()).toList(),
                    settings.list("pairs"));
        }
        assertEquals(chosen.bool("normalize", true), settings.bool("normalize", !chosen.bool("normalize", true)));
        assertEquals(chosen.integer("offset", -1), settings.integer("offset", -2));
        assertTrue(io[0].startsWith(r.string("answer") + "\n"), io[0]);
        assertNamesAndCovers(r, JsonObject.parse(Path.of("weights/demo/scene.json")));
    }

    /**
     * What the README promises of its main command: the caption names the bundled scene's objects
     * (size, colour and kind, in the reference caption's order, nothing else) and each of those
     * phrases' masks covers its object. scene.json is tools/scenes.py's COCO file of that one scene.
     */
    @SuppressWarnings("unchecked")
    static void assertNamesAndCovers(JsonObject result, JsonObject scene) {
        JsonObject image = JsonObject.of((Map<String, Object>) scene.list("images").getFirst(), "scene.json image");
        int h = image.integer("height"), w = image.integer("width");
        Map<Integer, String> kinds = new java.util.HashMap<>();
        for (Object c : scene.list("categories")) {
            JsonObject category = JsonObject.of((Map<String, Object>) c, "scene.json category");
            kinds.put(category.integer("id"), category.string("name"));
        }
        List<JsonObject> objects = scene.list("annotations").stream().map(a -> JsonObject.of((Map<String, Object>) a, "scene.json annotation"))
                .sorted(java.util.Comparator.comparingInt(a -> a.integer("order"))).toList();
        List<JsonObject> shapes = result.list("phrases").stream().map(p -> JsonObject.of((Map<String, Object>) p, "phrase"))
                .filter(p -> kinds.containsValue(p.string("root"))).toList();
        String answer = result.string("answer");
        assertEquals(objects.stream().map(o -> "a " + o.string("size") + " " + o.string("colour") + " " + kinds.get(o.integer("category_id"))).toList(),
                shapes.stream().map(p -> p.string("text")).toList(), "the demo caption (reference: " + image.string("caption") + "): " + answer);
        for (int i = 0; i < objects.size(); i++) {
            Rle truth = new Rle(h, w, objects.get(i).object("segmentation").intArray("counts"));
            Rle mask = Rle.fromString(shapes.get(i).object("mask").string("counts"), h, w);
            double iou = Rle.iou(mask, truth, false);
            assertTrue(iou >= 0.8, "the mask of \"" + shapes.get(i).string("text") + "\" covers its object: IoU " + iou);
        }
    }

    @Test void optionsReachTheResult(@TempDir Path tmp) throws Exception {
        Path photo = ChatTest.photo(tmp);
        ground(0, photo, tmp.resolve("a"), "--max-tokens", "12", "--template", "llava-hf", "--mask", "best", "--heads", "all");
        JsonObject r = JsonObject.parse(tmp.resolve("a/result.json"));
        String expected = JsonObject.parse(ChatTest.CASE.resolve("golden.json")).object("generation").string("generated_text");
        assertEquals(expected, r.string("answer"));
        JsonObject settings = r.object("settings");
        assertEquals("all", settings.string("heads"));
        assertEquals("best", settings.string("mask"));
        assertEquals(12, settings.integer("max_tokens"));
        assertEquals("llava-hf", settings.string("template"));
        assertEquals(0, settings.integer("offset"));
        assertTrue(settings.bool("normalize", false));
        ground(0, photo, tmp.resolve("b"), "--max-tokens", "12", "--heads", "0:1,2:3", "--offset", "1", "--no-normalize");
        settings = JsonObject.parse(tmp.resolve("b/result.json")).object("settings");
        assertEquals("listed", settings.string("heads"));
        assertEquals(List.of(List.of(0L, 1L), List.of(2L, 3L)), settings.list("pairs"));
        assertEquals(1, settings.integer("offset"));
        assertFalse(settings.bool("normalize", true));
    }
}
