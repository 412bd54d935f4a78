package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class ResampleTest {

    // ---- scalar twins: one output pixel at a time, index arithmetic inline (ATen UpSample.h in float) ----

    static float[] nearestTwin(float[] x, int c, int h, int w, int oh, int ow) {
        float[] out = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    int sy = Math.min((int) Math.floor(y * ((float) h / oh)), h - 1);
                    int sx = Math.min((int) Math.floor(xx * ((float) w / ow)), w - 1);
                    out[(ch * oh + y) * ow + xx] = x[(ch * h + sy) * w + sx];
                }
        return out;
    }

    static float source(int dst, int in, int out, boolean alignCorners, boolean cubic) {
        if (alignCorners) return out > 1 ? (float) (in - 1) / (out - 1) * dst : 0f;
        float s = (float) in / out * (dst + 0.5f) - 0.5f;
        return !cubic && s < 0 ? 0f : s;
    }

    static float[] bilinearTwin(float[] x, int c, int h, int w, int oh, int ow, boolean ac) {
        float[] out = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    float sy = source(y, h, oh, ac, false), sx = source(xx, w, ow, ac, false);
                    int y0 = Math.min((int) sy, h - 1), x0 = Math.min((int) sx, w - 1);
                    int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
                    float ly = Math.min(sy - y0, 1f), lx = Math.min(sx - x0, 1f);
                    int base = ch * h * w;
                    float top = x[base + y0 * w + x0] * (1 - lx) + x[base + y0 * w + x1] * lx;
                    float bottom = x[base + y1 * w + x0] * (1 - lx) + x[base + y1 * w + x1] * lx;
                    out[(ch * oh + y) * ow + xx] = top * (1 - ly) + bottom * ly;
                }
        return out;
    }

    static float cubicWeight(float d) {   // Keys' kernel, A = -0.75, at distance d
        float a = -0.75f, t = Math.abs(d);
        return t <= 1 ? ((a + 2) * t - (a + 3)) * t * t + 1 : t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a : 0;
    }

    static double[] bicubicTwin(float[] x, int c, int h, int w, int oh, int ow, boolean ac) {
        double[] out = new double[c * oh * ow];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    float sy = source(y, h, oh, ac, true), sx = source(xx, w, ow, ac, true);
                    int fy = (int) Math.floor(sy), fx = (int) Math.floor(sx);
                    double sum = 0;
                    for (int i = -1; i <= 2; i++)
                        for (int j = -1; j <= 2; j++) {
                            int iy = Math.clamp(fy + i, 0, h - 1), ix = Math.clamp(fx + j, 0, w - 1);
                            sum += (double) cubicWeight(sy - fy - i) * cubicWeight(sx - fx - j) * x[(ch * h + iy) * w + ix];
                        }
                    out[(ch * oh + y) * ow + xx] = sum;
                }
        return out;
    }

    private static final int[][] SHAPES = {   // c, h, w, outH, outW
            {1, 1, 1, 1, 1}, {1, 1, 1, 3, 7}, {2, 3, 7, 6, 14}, {3, 7, 5, 3, 2}, {1, 33, 17, 257, 31},
            {2, 16, 16, 64, 64}, {1, 64, 64, 1024, 1024}, {1, 24, 24, 336, 336}, {1, 5, 9, 5, 9}, {1, 50, 40, 7, 3},
            {3, 64, 48, 256, 200}, {2, 9, 1031, 9, 257}};   // rows split over threads; one axis unchanged

    private static final Parallel PAR = Parallel.of(3);

    @Test
    void nearestMatchesTwin() {
        Random r = new Random(61);
        for (int[] s : SHAPES) {
            float[] x = gaussian(r, s[0] * s[1] * s[2], 1, 0), out = new float[s[0] * s[3] * s[4]];
            Resample.nearest(x, s[0], s[1], s[2], s[3], s[4], out);
            assertArrayEquals(nearestTwin(x, s[0], s[1], s[2], s[3], s[4]), out, java.util.Arrays.toString(s));
        }
    }

    @Test
    void bilinearMatchesTwin() {
        Random r = new Random(62);
        for (int[] s : SHAPES)
            for (boolean ac : new boolean[]{false, true}) {
                float[] x = gaussian(r, s[0] * s[1] * s[2], 1, 0), out = new float[s[0] * s[3] * s[4]];
                Resample.bilinear(x, s[0], s[1], s[2], s[3], s[4], ac, out);
                // same float operations in the same order: equal to the last bit
                assertArrayEquals(bilinearTwin(x, s[0], s[1], s[2], s[3], s[4], ac), out, java.util.Arrays.toString(s) + " ac=" + ac);
                float[] split = new float[out.length];
                Resample.bilinear(x, s[0], s[1], s[2], s[3], s[4], ac, split, PAR);
                assertArrayEquals(out, split, java.util.Arrays.toString(s) + " ac=" + ac + " on three threads");
            }
    }

    @Test
    void bicubicMatchesTwin() {
        Random r = new Random(63);
        for (int[] s : SHAPES)
            for (boolean ac : new boolean[]{false, true}) {
                float[] x = gaussian(r, s[0] * s[1] * s[2], 1, 0), out = new float[s[0] * s[3] * s[4]];
                Resample.bicubic(x, s[0], s[1], s[2], s[3], s[4], ac, out);
                // the twin weights each of the 16 taps in double: float rounding of 4+4 weighted sums of |x| ~ 1
                assertClose(java.util.Arrays.toString(s) + " ac=" + ac, bicubicTwin(x, s[0], s[1], s[2], s[3], s[4], ac), out, 2e-6, 1e-6);
                float[] split = new float[out.length];
                Resample.bicubic(x, s[0], s[1], s[2], s[3], s[4], ac, split, PAR);
                assertArrayEquals(out, split, java.util.Arrays.toString(s) + " ac=" + ac + " on three threads");
            }
    }

    @Test
    void bicubicCropIsTheWindowOfTheFullResize() {
        Random r = new Random(64);
        // {in h, in w, out h, out w, top, left, crop h, crop w}
        int[][] cases = {{1, 1, 1, 1, 0, 0, 1, 1}, {6, 6, 7, 7, 0, 0, 7, 7}, {6, 6, 451, 451, 75, 0, 300, 451},
                {24, 24, 33, 33, 5, 3, 20, 30}, {5, 7, 1000, 1001, 999, 0, 1, 1001}, {3, 3, 1031, 1031, 0, 17, 1031, 1000}};
        for (int[] c : cases) {
            float[] x = gaussian(r, c[0] * c[1], 1, 0), full = new float[c[2] * c[3]], crop = new float[c[6] * c[7]];
            Resample.bicubic(x, 1, c[0], c[1], c[2], c[3], false, full);
            Resample.bicubicCrop(x, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], crop);
            for (int y = 0; y < c[6]; y++)
                for (int j = 0; j < c[7]; j++)
                    assertEquals(Float.floatToIntBits(full[(c[4] + y) * c[3] + c[5] + j]), Float.floatToIntBits(crop[y * c[7] + j]),
                            java.util.Arrays.toString(c) + " at " + y + "," + j);
        }
        assertThrows(IllegalArgumentException.class, () -> Resample.bicubicCrop(new float[4], 2, 2, 5, 5, 1, 0, 5, 5, new float[25]));
    }

    // ---- hand-derived expectations ----

    @Test
    void nearestTwiceRepeatsEachPixel() {
        float[] out = new float[16];
        Resample.nearest(new float[]{1, 2, 3, 4}, 1, 2, 2, 4, 4, out);
        assertArrayEquals(new float[]{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, out);
        float[] down = new float[2];   // 5 -> 2: scale 2.5, sources floor(0) = 0 and floor(2.5) = 2
        Resample.nearest(new float[]{10, 11, 12, 13, 14}, 1, 1, 5, 1, 2, down);
        assertArrayEquals(new float[]{10, 12}, down);
    }

    @Test
    void bilinearAlignCornersGivesMidpoints() {
        float[] out = new float[9];
        Resample.bilinear(new float[]{0, 2, 4, 6}, 1, 2, 2, 3, 3, true, out);
        assertArrayEquals(new float[]{0, 1, 2, 2, 3, 4, 4, 5, 6}, out);
    }

    @Test
    void bilinearHalfPixelCentres() {
        // [0, 1] -> 4 with align_corners=False: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper tap clamped)
        float[] out = new float[4];
        Resample.bilinear(new float[]{0, 1}, 1, 1, 2, 1, 4, false, out);
        assertArrayEquals(new float[]{0, 0.25f, 0.75f, 1}, out);
    }

    @Test
    void bicubicHandValues() {
        // [0, 1, 4, 9] -> 7 with align_corners=True: sources 0, 0.5, ..., 3; at t = 0.5 the weights are
        // (-0.09375, 0.59375, 0.59375, -0.09375), so out[1] = 0.59375·1 - 0.09375·4, out[3] = 0.59375·(1+4) - 0.09375·9,
        // and out[5] uses taps (1, 4, 9, 9) with the last clamped at the border
        float[] out = new float[7];
        Resample.bicubic(new float[]{0, 1, 4, 9}, 1, 1, 4, 1, 7, true, out);
        assertArrayEquals(new float[]{0, 0.21875f, 1, 2.125f, 4, 6.78125f, 9}, out);
        // [0, 1] -> 4 with align_corners=False: the source -0.25 is not clamped for cubic, t = 0.75 from floor -1,
        // giving the overshoot w3(1.25) = -0.10546875; at source 0.25 the value is w2 + w3 = 0.26171875 - 0.03515625
        float[] out2 = new float[4];
        Resample.bicubic(new float[]{0, 1}, 1, 1, 2, 1, 4, false, out2);
        assertArrayEquals(new float[]{-0.10546875f, 0.2265625f, 0.7734375f, 1.10546875f}, out2);
    }

    @Test
    void badShapesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Resample.bilinear(new float[3], 1, 2, 2, 4, 4, false, new float[16]));
        assertTrue(e.getMessage().startsWith("bilinear"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Resample.nearest(new float[4], 1, 2, 2, 0, 4, new float[16]));
        assertThrows(IllegalArgumentException.class, () -> Resample.bicubic(new float[4], 1, 2, 2, 4, 4, true, new float[15]));
    }
}
