package dev.jground.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OverlaysTest {
    @TempDir Path tmp;

    /** w x h of one grey level. */
    private static RgbImage grey(int w, int h, int level) {
        byte[] px = new byte[w * h * 3];
        java.util.Arrays.fill(px, (byte) level);
        return new RgbImage(w, h, px);
    }

    private static byte[] rect(int w, int h, int x0, int y0, int x1, int y1) {
        byte[] m = new byte[w * h];
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) m[y * w + x] = 1;
        return m;
    }

    private static int blend(int under, int over, double alpha) { return (int) Math.round((1 - alpha) * under + alpha * over); }

    @Test void masksAreBlendedHalfwayInTheirColoursWithSolidOutlines() {
        int w = 200, h = 120;
        RgbImage img = grey(w, h, 100);
        byte[] a = rect(w, h, 20, 60, 80, 110), b = rect(w, h, 120, 60, 180, 110);
        RgbImage out = Overlays.overlay(img, List.of(a, b), List.of(new int[] {50, 85}, new int[] {150, 85}), List.of("a cat", "a dog"));
        int ca = Palette.color(0), cb = Palette.color(1);
        assertEquals(blend(100, ca >> 16, 0.5), out.get(30, 100, 0), "inside mask 1, red");
        assertEquals(blend(100, ca >> 8 & 0xFF, 0.5), out.get(30, 100, 1), "inside mask 1, green");
        assertEquals(blend(100, cb & 0xFF, 0.5), out.get(170, 70, 2), "inside mask 2, blue");
        assertEquals(ca >> 16, out.get(20, 100, 0), "the outline is the colour itself");
        for (int c = 0; c < 3; c++) assertEquals(100, out.get(100, 100, c), "between the masks nothing changes");
        // the point: its own colour at the centre, a white ring, a black rim
        assertEquals(cb >> 16, out.get(150, 85, 0));
        int r = Math.max(2, h / 80), outer = r + Math.max(2, r / 2);
        assertEquals(255, out.get(150 + outer - 1, 85, 1), "white ring");
        assertEquals(0, out.get(150 + outer, 85, 1), "black rim");
        // the legend: a darkened box at the top left holding swatches in the phrases' colours
        assertTrue(out.get(3, 3, 0) < 100, "legend background is darker");
        assertEquals(ca, out.get(5, 6, 0) << 16 | out.get(5, 6, 1) << 8 | out.get(5, 6, 2), "first swatch");
        assertEquals(cb, out.get(5, 6 + BitmapFont.LINE_HEIGHT, 0) << 16 | out.get(5, 6 + BitmapFont.LINE_HEIGHT, 1) << 8
                | out.get(5, 6 + BitmapFont.LINE_HEIGHT, 2), "second swatch");
        assertEquals(100, img.get(30, 100, 0), "the input is not drawn on");
    }

    @Test void tinyImagesGetWhatFitsAndNeverAnError() {
        String longLabel = "an extraordinarily long noun phrase with ünïcödé and 🙂 that cannot fit anywhere at all";
        for (int[] size : new int[][] {{1, 1}, {2, 1}, {5, 3}, {13, 9}, {40, 12}}) {
            int w = size[0], h = size[1];
            RgbImage out = Overlays.overlay(grey(w, h, 50), List.of(rect(w, h, 0, 0, w, h), new byte[w * h]),
                    List.of(new int[] {0, 0}, new int[] {w - 1, h - 1}), List.of(longLabel, "b"));
            assertEquals(w, out.width());
            assertEquals(h, out.height());
            RgbImage heat = Overlays.heatMap(grey(w, h, 50), new float[w * h], w / 2, h / 2, Palette.color(0));
            assertEquals(w * h * 3, heat.pixels().length);
        }
    }

    @Test void longLabelsAreCutWithAnEllipsis() {
        assertEquals("abc...", Overlays.fit("abcdefgh", 6));
        assertEquals("abcdefgh", Overlays.fit("abcdefgh", 8));
        assertEquals("ab", Overlays.fit("abcdefgh", 2));
        assertEquals("", Overlays.fit("abcdefgh", 0));
        assertEquals("\uD83D\uDE42...", Overlays.fit("\uD83D\uDE42\uD83D\uDE42\uD83D\uDE42\uD83D\uDE42\uD83D\uDE42", 4), "counted in code points");
    }

    @Test void heatMapStretchesMinToMaxThroughViridis() {
        int w = 40, h = 40;
        float[] map = new float[w * h];
        for (int i = 0; i < map.length; i++) map[i] = -3 + 2f * (i % w) / (w - 1);   // -3 at the left to -1 at the right
        RgbImage out = Overlays.heatMap(grey(w, h, 200), map, 20, 20, 0xFF0000);
        int lo = Viridis.rgb(0), hi = Viridis.rgb(1);
        for (int c = 0; c < 3; c++) {
            int shift = 16 - 8 * c;
            assertEquals(blend(200, lo >> shift & 0xFF, 0.6), out.get(0, 5, c), "minimum, channel " + c);
            assertEquals(blend(200, hi >> shift & 0xFF, 0.6), out.get(w - 1, 5, c), "maximum, channel " + c);
        }
        assertEquals(0xFF, out.get(20, 20, 0), "the point is marked in its colour");

        RgbImage flat = Overlays.heatMap(grey(w, h, 200), new float[w * h], 0, 0, 0xFF0000);
        assertEquals(blend(200, lo >> 8 & 0xFF, 0.6), flat.get(30, 30, 1), "a constant map is all minimum");
        assertThrows(IllegalArgumentException.class, () -> Overlays.heatMap(grey(w, h, 0), new float[5], 0, 0, 0));
    }

    @Test void maskLayerIsSeeThroughAndSurvivesAsAnRgbaPng() throws IOException {
        int w = 9, h = 7;
        byte[] mask = rect(w, h, 2, 1, 7, 6);
        byte[] layer = MaskImages.layer(mask, w, h, 0x336699, 0.5);
        Path file = tmp.resolve("layer.png");
        ImageFiles.writeRgbaPng(w, h, layer, file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertTrue(back.getColorModel().hasAlpha());
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int argb = back.getRGB(x, y), alpha = argb >>> 24;
                boolean in = mask[y * w + x] != 0, edge = in && (x == 2 || x == 6 || y == 1 || y == 5);
                assertEquals(!in ? 0 : edge ? 255 : 128, alpha, "alpha at " + x + "," + y);
                if (in) assertEquals(0x336699, argb & 0xFFFFFF, "colour at " + x + "," + y);
            }
        assertThrows(IllegalArgumentException.class, () -> MaskImages.layer(new byte[3], w, h, 0, 0.5));
    }
}
