package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class RopeTest {

    /** Scalar twin with LlamaRotaryEmbedding's float32 steps, written out element by element. */
    static float[] ropeFloat32(float[] x, int tokens, int heads, int d, int pos0, float theta) {
        float[] y = x.clone();
        int half = d / 2;
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < d; j++) {
                    int i = j % half;
                    float invFreq = 1f / (float) Math.pow(theta, (float) (2 * i) / d);
                    float angle = (float) (pos0 + t) * invFreq;
                    float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                    int base = (t * heads + h) * d;
                    float rotated = j < half ? -x[base + j + half] : x[base + j - half];   // rotate_half
                    y[base + j] = x[base + j] * c + rotated * s;
                }
        return y;
    }

    /** The exact rotation in double, to bound how far the float32 convention strays. */
    static double[] ropeExact(float[] x, int tokens, int heads, int d, int pos0, double theta) {
        double[] y = new double[x.length];
        int half = d / 2;
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++) {
                    double a = (pos0 + t) * Math.pow(theta, -2.0 * i / d);
                    int lo = (t * heads + h) * d + i, hi = lo + half;
                    y[lo] = x[lo] * Math.cos(a) - x[hi] * Math.sin(a);
                    y[hi] = x[hi] * Math.cos(a) + x[lo] * Math.sin(a);
                }
        return y;
    }

    @Test
    void bitExactWithFloat32TwinOnOddSizes() {
        Random r = new Random(21);
        int[][] shapes = {{1, 1, 2, 0}, {3, 2, 6, 5}, {7, 3, 34, 100}, {5, 4, 128, 999}, {2, 1, 66, 4095}, {1, 32, 128, 600}};
        for (int[] s : shapes) {
            int tokens = s[0], heads = s[1], d = s[2], pos0 = s[3];
            float[] x = gaussian(r, tokens * heads * d, 1, 0);
            float[] want = ropeFloat32(x, tokens, heads, d, pos0, 10000f);
            Rope.apply(x, tokens, heads, d, pos0, 10000f);
            // unfused multiplies and adds are the same IEEE operations in vector and scalar form
            assertArrayEquals(want, x, java.util.Arrays.toString(s));
        }
    }

    @Test
    void closeToExactRotation() {
        Random r = new Random(22);
        int tokens = 4, heads = 2, d = 128, pos0 = 2000;
        float[] x = gaussian(r, tokens * heads * d, 1, 0);
        double[] want = ropeExact(x, tokens, heads, d, pos0, 10000);
        Rope.apply(x, tokens, heads, d, pos0, 10000f);
        // float32 angles at position ~2000 are off by up to ulp(2000)/2 = 6e-5 rad: that is the
        // convention being matched (transformers does the same), so the bound is 2e-4, not 1e-7
        assertClose("rope vs exact", want, x, 2e-4, 0);
    }

    @Test
    void handExamples() {
        float[] x = {1f, 0f, 0.5f, 2f};                 // one token, one head, headDim 2 at position 1
        Rope.apply(x, 1, 1, 2, 1, 10000f);
        assertEquals((float) Math.cos(1), x[0], 0f);    // inv_freq[0] = 1: a rotation by 1 rad
        assertEquals((float) Math.sin(1), x[1], 0f);

        float[] y = {0.25f, -1f, 3f, 7f};               // position 0 is the identity
        Rope.apply(y, 1, 1, 4, 0, 10000f);
        assertArrayEquals(new float[]{0.25f, -1f, 3f, 7f}, y);

        float[] f = Rope.invFreq(4, 10000f);            // 1 / 10000^(0/4), 1 / 10000^(2/4)
        assertEquals(1f, f[0]);
        assertEquals(0.01f, f[1]);
    }

    @Test
    void rejectsOddHeadDimAndShortArray() {
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(new float[6], 1, 2, 3, 0, 10000f));
        var e = assertThrows(IllegalArgumentException.class, () -> Rope.apply(new float[7], 1, 2, 4, 0, 10000f));
        assertTrue(e.getMessage().startsWith("rope"), e.getMessage());
    }
}
