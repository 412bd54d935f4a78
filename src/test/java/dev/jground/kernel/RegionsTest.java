package dev.jground.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RegionsTest {

    /** Element (y, x, ch) of a test grid: distinct and never 0. */
    static float value(int y, int x, int ch) { return 1 + y * 10_000 + x * 100 + ch; }

    @ParameterizedTest
    @CsvSource({"7, 5, 3, 3", "16, 16, 4, 6", "1, 1, 1, 1", "7, 5, 1, 8", "3, 7, 33, 2", "6, 6, 2, 3"})
    void partitionPadsAndOrdersWindowsRowMajor(int h, int w, int c, int window) {
        float[] x = new float[h * w * c];
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
                for (int ch = 0; ch < c; ch++) x[(y * w + xx) * c + ch] = value(y, xx, ch);
        int nh = (h + window - 1) / window, nw = (w + window - 1) / window;
        assertEquals(nh, Regions.windows(h, window));
        float[] win = new float[nh * nw * window * window * c];
        java.util.Arrays.fill(win, -1f);   // every element must be written
        Regions.partition(x, h, w, c, window, win);
        for (int wy = 0; wy < nh; wy++)
            for (int wx = 0; wx < nw; wx++)
                for (int iy = 0; iy < window; iy++)
                    for (int ix = 0; ix < window; ix++)
                        for (int ch = 0; ch < c; ch++) {
                            int y = wy * window + iy, xx = wx * window + ix;
                            float want = y < h && xx < w ? value(y, xx, ch) : 0f;
                            int at = (((wy * nw + wx) * window + iy) * window + ix) * c + ch;
                            assertEquals(want, win[at], "window (" + wy + ", " + wx + ") token (" + iy + ", " + ix + ") channel " + ch);
                        }
        float[] back = new float[h * w * c];
        Regions.unpartition(win, h, w, c, window, back);
        assertArrayEquals(x, back);
    }

    @Test void cropTakesTheRegionOfEveryChannel() {
        int c = 3, h = 7, w = 9;
        float[] x = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) x[(ch * h + y) * w + xx] = value(y, xx, ch);
        float[] out = new float[c * 4 * 5];
        Regions.crop(x, c, h, w, 2, 3, 4, 5, out);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < 4; y++)
                for (int xx = 0; xx < 5; xx++) assertEquals(value(y + 2, xx + 3, ch), out[(ch * 4 + y) * 5 + xx]);
    }

    /** A crop large enough to be shared out over threads: every row of every channel where it belongs. */
    @Test void aLargeCropOnThreads() {
        int c = 3, h = 1031, w = 257, top = 5, left = 7, height = 1000, width = 249;
        float[] x = new float[c * h * w], out = new float[c * height * width];
        for (int i = 0; i < x.length; i++) x[i] = i;
        try (Parallel par = Parallel.of(3)) { Regions.crop(x, c, h, w, top, left, height, width, out, par); }
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < height; y++)
                for (int xx = 0; xx < width; xx++)
                    assertEquals(x[(ch * h + y + top) * w + xx + left], out[(ch * height + y) * width + xx]);
    }

    @Test void badSizesAreRejectedWithTheirNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Regions.crop(new float[63], 1, 7, 9, 4, 0, 4, 9, new float[36]));
        assertTrue(e.getMessage().contains("crop: 4x9 at (4, 0) of a 7x9 map"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Regions.partition(new float[10], 2, 2, 3, 2, new float[12]));
        assertThrows(IllegalArgumentException.class, () -> Regions.partition(new float[12], 2, 2, 3, 0, new float[12]));
        assertThrows(IllegalArgumentException.class, () -> Regions.unpartition(new float[12], 3, 3, 1, 2, new float[9]));
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1, 0, 1, 0, 1", "3, 7, 5, 0, 1, 0, 1", "2, 33, 17, 1, 1, 1, 1", "33, 7, 1, 2, 0, 3, 0", "1, 1031, 3, 0, 1, 0, 1"})
    void padSurroundsEveryChannelWithZeros(int c, int h, int w, int top, int bottom, int left, int right) {
        float[] x = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) x[(ch * h + y) * w + xx] = value(y, xx, ch);
        int oh = h + top + bottom, ow = w + left + right;
        float[] out = new float[c * oh * ow];
        java.util.Arrays.fill(out, -1f);   // the padding must be written, not assumed
        Regions.pad(x, c, h, w, top, bottom, left, right, out);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    int sy = y - top, sx = xx - left;
                    float want = sy >= 0 && sy < h && sx >= 0 && sx < w ? value(sy, sx, ch) : 0f;
                    assertEquals(want, out[(ch * oh + y) * ow + xx], "channel " + ch + " at (" + y + ", " + xx + ")");
                }
        assertThrows(IllegalArgumentException.class, () -> Regions.pad(x, c, h, w, -1, 0, 0, 0, out));
    }
}
