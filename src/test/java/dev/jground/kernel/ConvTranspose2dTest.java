package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class ConvTranspose2dTest {

    /** The definition of a stride-2 kernel-2 transposed conv, scattering each input into its 2×2 block. */
    static double[] convT(float[] x, int c, int h, int w, float[] wt, float[] bias, int o) {
        double[] out = new double[o * 4 * h * w];
        for (int oc = 0; oc < o; oc++)
            for (int i = 0; i < 4 * h * w; i++) out[oc * 4 * h * w + i] = bias == null ? 0 : bias[oc];
        for (int ic = 0; ic < c; ic++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    for (int oc = 0; oc < o; oc++)
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++)
                                out[(oc * 2 * h + 2 * y + dy) * 2 * w + 2 * xx + dx] +=
                                        (double) x[(ic * h + y) * w + xx] * wt[((ic * o + oc) * 2 + dy) * 2 + dx];
        return out;
    }

    @Test
    void matchesDefinition() {
        Random r = new Random(51);
        int[][] shapes = {{1, 1, 1, 1}, {3, 2, 5, 4}, {7, 3, 7, 2}, {33, 5, 9, 3}, {4, 17, 17, 8}};
        try (Parallel par = Parallel.of(2)) {
            for (int[] s : shapes) {
                int c = s[0], h = s[1], w = s[2], o = s[3];
                float[] x = gaussian(r, c * h * w, 1, 0), wt = gaussian(r, c * o * 4, 0.3, 0), b = gaussian(r, o, 1, 0);
                float[] out = new float[o * 4 * h * w];
                ConvTranspose2d.convTranspose2x2(x, c, h, w, wt, b, o, out);
                // float sums of C ≤ 33 products ~0.3: error a few 1e-7 of Σ|terms|
                assertClose("convT " + java.util.Arrays.toString(s), convT(x, c, h, w, wt, b, o), out, 2e-6, 1e-6);
                java.util.Arrays.fill(out, 0f);
                ConvTranspose2d.convTranspose2x2(x, c, h, w, wt, null, o, out, par);
                assertClose("convT no bias, parallel " + java.util.Arrays.toString(s), convT(x, c, h, w, wt, null, o), out, 2e-6, 1e-6);
            }
        }
    }

    @Test
    void handExample() {
        // one input pixel of value 2, one in and out channel: the output is the kernel times 2, plus bias
        float[] out = new float[4];
        ConvTranspose2d.convTranspose2x2(new float[]{2}, 1, 1, 1, new float[]{1, 2, 3, 4}, new float[]{0.5f}, 1, out);
        assertArrayEquals(new float[]{2.5f, 4.5f, 6.5f, 8.5f}, out);
    }

    @Test
    void badShapesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose2d.convTranspose2x2(new float[4], 1, 2, 2, new float[7], null, 2, new float[32]));
        assertTrue(e.getMessage().contains("weight"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose2d.convTranspose2x2(new float[4], 1, 2, 2, new float[8], null, 2, new float[31]));
    }
}
