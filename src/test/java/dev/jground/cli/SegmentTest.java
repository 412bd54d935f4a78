package dev.jground.cli;

import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.SafeTensorsFile;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

class SegmentTest {
    static final Path CASE = VerifyTest.GOLDEN.resolve("sam-tiny");

    @TempDir static Path tmp;
    static Path photo;

    @BeforeAll static void writePhoto() throws Exception {
        try (SafeTensorsFile golden = SafeTensorsFile.open(CASE.resolve("golden.safetensors"))) {
            photo = tmp.resolve("chelsea.png");
            ImageFiles.writePng(Images.fromHwc(golden.tensor("in.image")), photo);
        }
    }

    /** The golden prompt k's best mask (highest golden IoU) as 0/1 bytes, and the allowed mismatch. */
    private static void assertMaskMatchesGolden(int k, Path maskPng, String stdout) throws Exception {
        try (GoldenCase c = GoldenCase.open(CASE)) {
            TensorView masks = c.tensor("out.masks_" + k), iou = c.tensor("out.iou_predictions_" + k);
            int best = 0;
            for (int i = 1; i < iou.numel(); i++) if (iou.getFloat(i) > iou.getFloat(best)) best = i;
            for (int i = 0; i < iou.numel(); i++)
                assertTrue(stdout.contains(String.format(Locale.ROOT, "mask %d: iou %.4f", i, iou.getFloat(i))), stdout);
            assertTrue(stdout.contains(String.format(Locale.ROOT, "mask %d: iou %.4f  (best, written)", best, iou.getFloat(best))), stdout);
            RgbImage png = ImageFiles.read(maskPng);
            int h = masks.dim(1), w = masks.dim(2), mismatched = 0, area = 0;
            assertEquals(w, png.width());
            assertEquals(h, png.height());
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    long want = masks.getLong((long) best * h * w + (long) y * w + x);
                    int got = png.get(x, y, 0);
                    assertTrue(got == 0 || got == 255, "mask pixels are black or white");
                    area += (int) want;
                    if ((got == 255 ? 1 : 0) != want) mismatched++;
                }
            assertTrue(area > 1000, "the golden mask is not trivially empty");
            assertTrue(mismatched <= c.comparison("out.masks_" + k).maxMismatch(), mismatched + " pixels differ");
        }
    }

    @Test void aPointPromptGivesTheGoldenMaskAndAnOverlay() throws Exception {
        Path mask = tmp.resolve("point.png");
        String out = MainTest.run(0, "segment", "--sam", CASE.toString(), "--image", photo.toString(),
                "--point", "262.5,131", "--multimask", "--out", mask.toString(), "--threads", "2")[0];
        assertMaskMatchesGolden(0, mask, out);
        RgbImage overlay = ImageFiles.read(tmp.resolve("point.overlay.png")), image = ImageFiles.read(photo), m = ImageFiles.read(mask);
        assertEquals(image.width(), overlay.width());
        assertEquals(image.height(), overlay.height());
        int[] tint = {30, 144, 255};   // SAM's show_mask colour, 60% opaque
        for (int y = 0; y < image.height(); y++)
            for (int x = 0; x < image.width(); x++)
                for (int c = 0; c < 3; c++) {
                    int want = m.get(x, y, 0) == 255 ? (int) Math.round(0.4 * image.get(x, y, c) + 0.6 * tint[c]) : image.get(x, y, c);
                    assertEquals(want, overlay.get(x, y, c), "overlay pixel (" + x + ", " + y + ") channel " + c);
                }
    }

    @Test void aPointAndBoxPromptGivesTheGoldenMask() throws Exception {
        Path mask = tmp.resolve("box.png");
        String out = MainTest.run(0, "segment", "--sam", CASE.toString(), "--image", photo.toString(), "--point", "300,150,1",
                "--box", "140,30,410,295", "--multimask", "--out", mask.toString(), "--threads", "2")[0];
        assertMaskMatchesGolden(3, mask, out);
    }

    @Test void badPromptsAndImagesAreOneLineErrorsAndWriteNothing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("errors")), mask = dir.resolve("m.png");
        String sam = CASE.toString(), img = photo.toString(), o = mask.toString();
        assertEquals("jground segment: --point 451,10 lies outside the 451x300 image (jground help lists the verbs)\n",
                MainTest.run(2, "segment", "--sam", sam, "--image", img, "--point", "451,10", "--out", o)[1]);
        assertEquals("jground segment: --box 200,10,100,50: x1 < x0 or y1 < y0 (give the top-left corner first) (jground help lists the verbs)\n",
                MainTest.run(2, "segment", "--sam", sam, "--image", img, "--box", "200,10,100,50", "--out", o)[1]);
        assertTrue(MainTest.run(2, "segment", "--sam", sam, "--image", img, "--out", o)[1].contains("give a prompt"));
        assertTrue(MainTest.run(2, "segment", "--sam", sam, "--image", img, "--point", "10,10,2", "--out", o)[1].contains("label must be 1"));
        assertTrue(MainTest.run(2, "segment", "--sam", sam, "--image", img, "--point", "10,x", "--out", o)[1].contains("expects numbers"));
        String missing = MainTest.run(2, "segment", "--sam", sam, "--image", dir.resolve("none.png").toString(), "--point", "1,1", "--out", o)[1];
        assertTrue(missing.startsWith("jground segment: ") && missing.contains("none.png: no such image file"), missing);
        Path corrupt = dir.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        String bad = MainTest.run(2, "segment", "--sam", sam, "--image", corrupt.toString(), "--point", "1,1", "--out", o)[1];
        assertTrue(bad.startsWith("jground segment: ") && bad.contains("corrupt.png") && bad.indexOf('\n') == bad.length() - 1, bad);
        byte[] png = Files.readAllBytes(photo);
        Path half = Files.write(dir.resolve("half.png"), java.util.Arrays.copyOf(png, png.length / 2));
        String cut = MainTest.run(2, "segment", "--sam", sam, "--image", half.toString(), "--point", "1,1", "--out", o)[1];
        assertTrue(cut.startsWith("jground segment: " + half + ": truncated PNG") && cut.indexOf('\n') == cut.length() - 1, cut);
        String notSam = MainTest.run(2, "segment", "--sam", VerifyTest.GOLDEN.resolve("clip-vision-tiny").toString(), "--image", img,
                "--point", "1,1", "--out", o)[1];
        assertTrue(notSam.contains("not a Segment Anything"), notSam);
        try (var files = Files.list(dir)) {
            assertEquals(java.util.List.of("corrupt.png", "half.png"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
