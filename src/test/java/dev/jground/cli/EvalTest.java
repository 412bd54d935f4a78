package dev.jground.cli;

import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jground eval end to end on the tiny golden LLaVA and SAM: the answers are word salad, so the
 * figures are near 0, but the report must be complete and agree with the table and the last line.
 * The categories are words of the tiny model's greedy answers ("action", its synonym "banda",
 * "gene") so that some phrases are kept and scored.
 */
class EvalTest {
    static final Pattern LAST = Pattern.compile(
            "eval (\\d+) images: PAcc (\\d+\\.\\d), random-point PAcc (\\d+\\.\\d), mIoU (\\d+\\.\\d), AP (\\d+\\.\\d), AR (\\d+\\.\\d)");

    /** photo.png (the golden's 451x300 photo), red.png (64x48, a red block), blank.png (no annotations). */
    static Path dataset(Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.move(ChatTest.photo(dir), images.resolve("photo.png"));
        byte[] px = new byte[64 * 48 * 3];
        for (int y = 10; y < 30; y++) for (int x = 20; x < 44; x++) px[(y * 64 + x) * 3] = (byte) 200;
        ImageFiles.writePng(new RgbImage(64, 48, px), images.resolve("red.png"));
        ImageFiles.writePng(new RgbImage(8, 8, new byte[8 * 8 * 3]), images.resolve("blank.png"));
        Files.writeString(dir.resolve("shapes.json"), """
                {"images": [{"id": 2, "file_name": "red.png", "width": 64, "height": 48},
                            {"id": 3, "file_name": "photo.png", "width": 451, "height": 300},
                            {"id": 9, "file_name": "blank.png", "width": 8, "height": 8}],
                 "categories": [{"id": 1, "name": "action", "synonyms": ["banda"]}, {"id": 2, "name": "gene"}, {"id": 4, "name": "sky"}],
                 "annotations": [
                   {"id": 1, "image_id": 3, "category_id": 1, "segmentation": [[100, 50, 300, 50, 300, 250, 100, 250]], "area": 40000, "iscrowd": 0},
                   {"id": 2, "image_id": 2, "category_id": 2, "segmentation": [[20, 10, 44, 10, 44, 30, 20, 30]], "area": 480, "iscrowd": 0},
                   {"id": 3, "image_id": 2, "category_id": 4, "segmentation": {"size": [48, 64], "counts": [0, 480, 2592]}, "area": 480, "iscrowd": 1}
                 ]}
                """);
        return images;
    }

    static String[] eval(int status, Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "--annotations", dir.resolve("shapes.json").toString(),
                "--images", dir.resolve("images").toString(), "--model", ChatTest.CASE.toString(), "--tokenizer", ChatTest.TOKENIZER,
                "--sam", GroundTest.SAM, "--max-tokens", "20", "--threads", "2"));
        args.addAll(List.of(more));
        return MainTest.run(status, args.toArray(String[]::new));
    }

    @Test void reportsEveryVariantAndAWellFormedLastLine(@TempDir Path tmp) throws Exception {
        dataset(tmp);
        Path report = tmp.resolve("report.json");
        String[] io = eval(0, tmp, "--out", report.toString(), "--seed", "5");
        String[] lines = io[0].strip().split("\n");
        Matcher last = LAST.matcher(lines[lines.length - 1]);
        assertTrue(last.matches(), lines[lines.length - 1]);
        assertEquals("3", last.group(1));
        for (String file : List.of("[1/3] red.png", "[2/3] photo.png")) assertTrue(io[1].contains(file), io[1]);
        assertTrue(io[1].contains("[3/3] blank.png: no annotations, skipped"), io[1]);
        assertTrue(io[1].contains("ETA"), io[1]);

        JsonObject r = JsonObject.parse(report);
        assertEquals(3, r.integer("images_evaluated"));
        assertEquals(1, r.integer("images_without_annotations"));
        assertEquals(5, r.integer("seed"));
        assertEquals("official normalised offset 0", r.string("reported"));
        List<JsonObject> variants = objects(r, "variants");
        assertEquals(8, variants.size());
        assertEquals(8, variants.stream().map(v -> v.string("name")).distinct().count());
        JsonObject reported = variants.getFirst();
        assertEquals("official normalised offset 0", reported.string("name"));

        // each image's phrases, and the kept ones are those with a category
        List<JsonObject> images = objects(r, "per_image");
        assertEquals(List.of(2L, 3L, 9L), images.stream().map(i -> i.longValue("id")).toList(), "in id order");
        int kept = 0, randomPoints = 0, inside = 0;
        double iouSum = 0;
        for (JsonObject im : images) {
            for (JsonObject p : objects(im, "phrases"))
                if (p.get("category") != null) {
                    kept++;
                    assertTrue(List.of("action", "gene", "sky").contains(p.string("category")));
                    // where the reported variant's point landed: inside its category iff one of
                    // the annotations under it is of that category
                    assertEquals(2, p.list("point").size());
                    assertTrue(p.has("inside") && p.has("iou"), p.toString());
                    assertEquals(p.list("under").contains(p.string("category")), p.bool("inside", false), p.toString());
                    if (p.bool("inside", false)) inside++;
                    iouSum += p.number("iou");
                } else {
                    assertNull(p.get("point"), "a phrase without a category has no prompt");
                }
            randomPoints += objects(im, "random_points").size();
        }
        assertTrue(kept > 0, "some phrase names a category: " + images);
        assertEquals(kept, reported.integer("points"));
        assertEquals(reported.number("pacc"), 100.0 * inside / kept, 1e-9, "PAcc is the share of phrases inside");
        assertEquals(reported.number("miou"), iouSum / kept, 1e-9, "mIoU is the mean of the phrases' IoU");
        assertEquals(3, randomPoints, "one per category present: action in the photo, gene and sky in red.png");
        JsonObject random = r.object("random_point");
        assertEquals(3, random.integer("points"));

        // the last line is the reported variant's figures, and the table's starred row
        assertEquals(Eval.percent(reported.number("pacc") / 100), last.group(2));
        assertEquals(Eval.percent(random.number("pacc") / 100), last.group(3));
        assertEquals(Eval.percent(reported.number("miou") / 100), last.group(4));
        assertEquals(Eval.percent(reported.object("coco").number("AP") / 100), last.group(5));
        assertEquals(Eval.percent(reported.object("coco").number("AR") / 100), last.group(6));
        assertTrue(io[0].contains("* official normalised offset 0"), io[0]);
        assertEquals(1, io[0].lines().filter(l -> l.startsWith("*")).count());
        for (JsonObject v : variants) {
            assertTrue(io[0].contains(v.string("name")), v.string("name"));
            for (String k : List.of("pacc", "miou", "objects_named")) assertTrue(v.number(k) >= 0 && v.number(k) <= 100, k);
            assertEquals(12, v.object("coco").keys().size());
        }

        // --heads all reports the all-heads row; --limit takes the first images by id
        String[] all = eval(0, tmp, "--out", tmp.resolve("all.json").toString(), "--heads", "all", "--limit", "1");
        assertTrue(all[0].contains("* all normalised offset 0"), all[0]);
        assertTrue(LAST.matcher(all[0].strip().lines().toList().getLast()).matches());
        assertTrue(all[0].strip().lines().toList().getLast().startsWith("eval 1 images:"));
        assertEquals(List.of(2L), objects(JsonObject.parse(tmp.resolve("all.json")), "per_image").stream().map(i -> i.longValue("id")).toList());

        // --no-normalize --offset 1 choose the reported variant: its row is starred, its figures are the
        // last line's, and the per-phrase points are its own (PAcc and mIoU are their share and mean)
        String[] raw = eval(0, tmp, "--out", tmp.resolve("raw.json").toString(), "--heads", "all", "--no-normalize", "--offset", "1");
        assertTrue(raw[0].contains("* all raw offset 1"), raw[0]);
        JsonObject rr = JsonObject.parse(tmp.resolve("raw.json"));
        assertEquals("all raw offset 1", rr.string("reported"));
        JsonObject chosen = objects(rr, "variants").stream().filter(v -> v.string("name").equals("all raw offset 1")).findFirst().orElseThrow();
        int rawKept = 0, rawInside = 0;
        double rawIou = 0;
        for (JsonObject im : objects(rr, "per_image"))
            for (JsonObject p : objects(im, "phrases"))
                if (p.get("category") != null) {
                    rawKept++;
                    if (p.bool("inside", false)) rawInside++;
                    rawIou += p.number("iou");
                }
        assertEquals(chosen.number("pacc"), 100.0 * rawInside / rawKept, 1e-9);
        assertEquals(chosen.number("miou"), rawIou / rawKept, 1e-9);
        Matcher rawLast = LAST.matcher(raw[0].strip().lines().toList().getLast());
        assertTrue(rawLast.matches());
        assertEquals(Eval.percent(chosen.number("pacc") / 100), rawLast.group(2));
        assertEquals(Eval.percent(chosen.number("miou") / 100), rawLast.group(4));
    }

    @Test void listedHeadsAddTheirOwnRows(@TempDir Path tmp) throws Exception {
        dataset(tmp);
        // every head of the test model's three layers, listed: the same maps as "all", so the same figures
        StringBuilder every = new StringBuilder();
        for (int l = 0; l < 3; l++) for (int h = 0; h < 4; h++) every.append(every.isEmpty() ? "" : ",").append(l).append(':').append(h);
        String[] io = eval(0, tmp, "--out", tmp.resolve("listed.json").toString(), "--heads", every.toString(), "--no-normalize");
        JsonObject r = JsonObject.parse(tmp.resolve("listed.json"));
        assertEquals("listed raw offset 0", r.string("reported"));
        assertTrue(io[0].contains("* listed raw offset 0"), io[0]);
        Map<String, JsonObject> rows = new java.util.HashMap<>();
        for (JsonObject v : objects(r, "variants")) rows.put(v.string("name"), v);
        assertEquals(12, rows.size());
        int compared = 0;
        for (String variant : List.of("normalised offset 0", "normalised offset 1", "raw offset 0", "raw offset 1")) {
            JsonObject listed = rows.get("listed " + variant), all = rows.get("all " + variant);
            assertTrue(listed.integer("points") > 0, variant);
            for (String k : List.of("points", "pacc", "miou", "objects_named")) assertEquals(all.number(k), listed.number(k), 0, variant + " " + k);
            assertEquals(all.object("coco").number("AP"), listed.object("coco").number("AP"), 0, variant);
            compared++;
        }
        assertEquals(4, compared);
        assertEquals(12, r.object("settings").list("pairs").size());

        // one layer's heads read a different map than all layers': some figure differs
        eval(0, tmp, "--out", tmp.resolve("layer0.json").toString(), "--heads", "0:0,0:1,0:2,0:3", "--no-normalize");
        JsonObject layer0 = objects(JsonObject.parse(tmp.resolve("layer0.json")), "variants").stream()
                .filter(v -> v.string("name").equals("listed raw offset 0")).findFirst().orElseThrow();
        JsonObject allRaw = rows.get("all raw offset 0");
        assertNotEquals(List.of(allRaw.number("pacc"), allRaw.number("miou")), List.of(layer0.number("pacc"), layer0.number("miou")));
    }

    @Test void badInputIsOneLineAndNoReport(@TempDir Path tmp) throws Exception {
        Path images = dataset(tmp), annotations = tmp.resolve("shapes.json"), report = tmp.resolve("report.json");
        String good = Files.readString(annotations);
        Files.writeString(annotations, good.replace("\"width\": 64, \"height\": 48", "\"width\": 60, \"height\": 48")
                .replace("{\"size\": [48, 64], \"counts\": [0, 480, 2592]}", "[[0, 0, 10, 0, 10, 48, 0, 48]]"));
        // the listed size is not the file's: found when the image is read (the first), after the model loads
        String err = eval(2, tmp, "--out", report.toString())[1];
        assertTrue(err.endsWith("jground eval: red.png is 64x48, the annotations say 60x48\n"), err);
        assertFalse(Files.exists(report));

        Files.writeString(annotations, good);
        Files.delete(images.resolve("blank.png"));
        err = eval(2, tmp, "--out", report.toString())[1];
        assertEquals("jground eval: " + images.resolve("blank.png") + ": no such file (image 9 of " + tmp.resolve("shapes.json") + ")\n", err);
        Files.writeString(tmp.resolve("shapes.json"), "{\"images\": [");
        err = eval(2, tmp, "--out", report.toString())[1];
        assertTrue(err.startsWith("jground eval: " + tmp.resolve("shapes.json") + ":1:"), err);
        assertEquals(1, err.lines().count());
        assertFalse(Files.exists(report));
        assertEquals("jground eval: --heads must be official, all or layer:head pairs like 3:30,4:7, got 'first' (jground help lists the verbs)\n",
                eval(2, tmp, "--heads", "first")[1]);
        Files.writeString(annotations, good);  // a pair past the model's layers: found when the model is known
        err = eval(2, tmp, "--heads", "3:1", "--limit", "1", "--out", report.toString())[1];
        assertTrue(err.endsWith("jground eval: (layer, head) [3, 1] is not in 3 layers x 4 heads\n"), err);
        assertFalse(Files.exists(report));
        assertEquals("jground eval: --offset must be 0 or 1, got 2 (jground help lists the verbs)\n", eval(2, tmp, "--offset", "2")[1]);
        assertEquals("jground eval: --normalize and --no-normalize contradict (jground help lists the verbs)\n",
                eval(2, tmp, "--normalize", "--no-normalize")[1]);
        assertEquals("jground eval: --annotations is required (jground help lists the verbs)\n", MainTest.run(2, "eval")[1]);
    }

    @SuppressWarnings("unchecked")
    private static List<JsonObject> objects(JsonObject o, String key) {
        List<JsonObject> out = new ArrayList<>();
        for (Object x : o.list(key)) out.add(JsonObject.of((Map<String, Object>) x, key));
        return out;
    }
}
