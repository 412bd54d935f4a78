package dev.jground.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class AttentionTest {

    private static final Parallel PAR = Parallel.of(3);

    @AfterAll static void close() { PAR.close(); }

    /** float64 twin: HF eager attention, mask as -inf before the softmax; returns out and fills probs. */
    static double[] attention(float[] q, float[] k, float[] v, int tq, int tk, int heads, int kvHeads, int d,
                              double scale, boolean causal, double[] probs) {
        double[] out = new double[tq * heads * d];
        for (int h = 0; h < heads; h++) {
            int kvh = h / (heads / kvHeads);
            for (int i = 0; i < tq; i++) {
                double[] s = new double[tk];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < tk; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double) q[(i * heads + h) * d + c] * k[(j * kvHeads + kvh) * d + c];
                    s[j] = causal && j > tk - tq + i ? Double.NEGATIVE_INFINITY : dot * scale;
                    max = Math.max(max, s[j]);
                }
                for (int j = 0; j < tk; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < tk; j++) {
                    double p = s[j] / sum;
                    probs[(h * tq + i) * tk + j] = p;
                    for (int c = 0; c < d; c++) out[(i * heads + h) * d + c] += p * v[(j * kvHeads + kvh) * d + c];
                }
            }
        }
        return out;
    }

    private static void check(int tq, int tk, int heads, int kvHeads, int d, boolean causal, Random r) {
        String what = "tq=" + tq + " tk=" + tk + " heads=" + heads + "/" + kvHeads + " d=" + d + (causal ? " causal" : "");
        float[] q = gaussian(r, tq * heads * d, 1, 0), k = gaussian(r, tk * kvHeads * d, 1, 0), v = gaussian(r, tk * kvHeads * d, 1, 0);
        float scale = (float) (1 / Math.sqrt(d));
        double[] wantProbs = new double[heads * tq * tk];
        double[] want = attention(q, k, v, tq, tk, heads, kvHeads, d, scale, causal, wantProbs);
        float[] out = new float[tq * heads * d], probs = new float[heads * tq * tk];
        java.util.Arrays.fill(probs, Float.NaN);   // every entry, masked ones too, must be written
        Attention.attention(q, k, v, out, tq, tk, heads, kvHeads, d, scale, causal, probs, PAR);
        // Scores are float dot products of d ~N(0,1) terms scaled by 1/√d: error ~1e-7·√d·|q||k|/√d,
        // so probabilities move by a few 1e-7 relative; outputs are sums of p·v with |v| ~ 1.
        assertClose("probs " + what, wantProbs, probs, 1e-7, 2e-6);
        assertClose("out " + what, want, out, 2e-6, 2e-6);
        for (int row = 0; row < heads * tq; row++) {
            double sum = 0;
            for (int j = 0; j < tk; j++) sum += probs[row * tk + j];
            assertEquals(1.0, sum, 2e-6, "probabilities of row " + row + " sum to 1, " + what);
            int i = row % tq;
            if (causal) for (int j = tk - tq + i + 1; j < tk; j++) assertEquals(0f, probs[row * tk + j], "masked entry " + what);
        }
    }

    @Test
    void decodeAndPrefillWithGroupedQueryHeads() {
        Random r = new Random(31);
        int[][] kv = {{4, 4}, {4, 2}, {4, 1}, {1, 1}};
        // tq < PACK_MIN_QUERIES reads keys in place; tq = 9, 20, 33 take the packed path (PackedHead),
        // with tk > tq for queries that are the last positions of a longer sequence
        int[][] lengths = {{1, 1}, {1, 7}, {1, 1031}, {7, 7}, {3, 40}, {9, 9}, {20, 45}, {33, 33}};
        for (int[] h : kv)
            for (int[] t : lengths)
                for (boolean causal : new boolean[]{false, true})
                    for (int d : new int[]{1, 7, 40, 64})
                        check(t[0], t[1], h[0], h[1], d, causal, r);
    }

    /** float64 twin of SAM's decomposed relative-position attention (bias added to the scaled scores). */
    static double[] relPosAttention(float[] q, float[] k, float[] v, int tq, int heads, int d, double scale,
                                    float[] relH, float[] relW, int keyH, int keyW, double[] probs) {
        int tk = keyH * keyW;
        double[] out = new double[tq * heads * d];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < tq; i++) {
                double[] s = new double[tk];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < tk; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double) q[(i * heads + h) * d + c] * k[(j * heads + h) * d + c];
                    s[j] = dot * scale + relH[(h * tq + i) * keyH + j / keyW] + relW[(h * tq + i) * keyW + j % keyW];
                    max = Math.max(max, s[j]);
                }
                for (int j = 0; j < tk; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < tk; j++) {
                    probs[(h * tq + i) * tk + j] = s[j] / sum;
                    for (int c = 0; c < d; c++) out[(i * heads + h) * d + c] += s[j] / sum * v[(j * heads + h) * d + c];
                }
            }
        return out;
    }

    @Test
    void decomposedRelativePositions() {
        Random r = new Random(32);
        int[][] cases = {{1, 1, 1, 1, 4}, {6, 2, 3, 3, 7}, {20, 3, 4, 5, 16}, {49, 2, 7, 7, 64}};   // tq, heads, keyH, keyW, d
        for (int[] c : cases) {
            int tq = c[0], heads = c[1], keyH = c[2], keyW = c[3], d = c[4], tk = keyH * keyW;
            float[] q = gaussian(r, tq * heads * d, 1, 0), k = gaussian(r, tk * heads * d, 1, 0), v = gaussian(r, tk * heads * d, 1, 0);
            float[] relH = gaussian(r, heads * tq * keyH, 1, 0), relW = gaussian(r, heads * tq * keyW, 1, 0);
            float scale = (float) (1 / Math.sqrt(d));
            double[] wantProbs = new double[heads * tq * tk];
            double[] want = relPosAttention(q, k, v, tq, heads, d, scale, relH, relW, keyH, keyW, wantProbs);
            float[] out = new float[tq * heads * d], probs = new float[heads * tq * tk];
            Attention.attention(q, k, v, out, tq, tk, heads, d, scale, relH, relW, keyH, keyW, probs, PAR);
            String what = java.util.Arrays.toString(c);
            assertClose("rel-pos probs " + what, wantProbs, probs, 1e-7, 2e-6);   // as in check(): bias adds two roundings
            assertClose("rel-pos out " + what, want, out, 2e-6, 2e-6);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.attention(new float[4], new float[24], new float[24],
                new float[4], 1, 6, 1, 4, 1f, new float[2], new float[3], 2, 2, null, PAR));
        assertTrue(e.getMessage().contains("grid"), e.getMessage());
    }

    @Test
    void probsMayBeNullAndSingleKeyGivesValue() {
        float[] q = {1f, 2f}, k = {3f, 4f}, v = {5f, -6f}, out = new float[2];
        Attention.attention(q, k, v, out, 1, 1, 1, 1, 2, 0.5f, true, null, Parallel.SERIAL);
        assertArrayEquals(new float[]{5f, -6f}, out);
    }

    /**
     * Without a mask or probabilities: SAM decoder shapes (1031 × 7 in query tiles, 7 × 1031 by
     * rows with packed keys) and odd ones, either side of the tile threshold.
     */
    @ParameterizedTest
    @CsvSource({"1, 1, 1, 1, 1", "7, 1031, 8, 8, 16", "1031, 7, 8, 8, 16", "33, 33, 4, 2, 7", "49, 1000, 2, 1, 33", "97, 3, 3, 3, 9"})
    void queryTilesMatchTheTwin(int tq, int tk, int heads, int kvHeads, int d) {
        Random r = new Random(tq * 31 + tk);
        String what = "tq=" + tq + " tk=" + tk + " heads=" + heads + "/" + kvHeads + " d=" + d;
        float[] q = gaussian(r, tq * heads * d, 1, 0), k = gaussian(r, tk * kvHeads * d, 1, 0), v = gaussian(r, tk * kvHeads * d, 1, 0);
        float scale = (float) (1 / Math.sqrt(d));
        double[] want = attention(q, k, v, tq, tk, heads, kvHeads, d, scale, false, new double[heads * tq * tk]);
        float[] out = new float[tq * heads * d], serial = new float[out.length], inPlace = q.clone();
        Attention.attention(q, k, v, out, tq, tk, heads, kvHeads, d, scale, false, null, PAR);
        assertClose("out " + what, want, out, 2e-6, 2e-6);
        Attention.attention(q, k, v, serial, tq, tk, heads, kvHeads, d, scale, false, null, Parallel.SERIAL);
        assertArrayEquals(serial, out, "one thread and three, " + what);
        Attention.attention(inPlace, k, v, inPlace, tq, tk, heads, kvHeads, d, scale, false, null, PAR);
        assertArrayEquals(out, inPlace, "out = q, " + what);
    }

    @Test
    void outMayBeQ() {
        Random r = new Random(33);
        for (int tq : new int[]{1, 20}) {   // the in-place and the packed path
            int heads = 4, d = 24, tk = 20;
            float[] q = gaussian(r, tq * heads * d, 1, 0), k = gaussian(r, tk * 2 * d, 1, 0), v = gaussian(r, tk * 2 * d, 1, 0);
            float[] out = new float[q.length], qOut = q.clone();
            Attention.attention(q, k, v, out, tq, tk, heads, 2, d, 0.2f, true, null, PAR);
            Attention.attention(qOut, k, v, qOut, tq, tk, heads, 2, d, 0.2f, true, null, PAR);
            assertArrayEquals(out, qOut, "tq=" + tq);
        }
    }

    @Test
    void handExampleTwoKeys() {
        // scores 0 and ln 3 -> probabilities 1/4 and 3/4
        float ln3 = (float) Math.log(3);
        float[] q = {1f}, k = {0f, ln3}, v = {4f, 8f}, out = new float[1], probs = new float[2];
        Attention.attention(q, k, v, out, 1, 2, 1, 1, 1, 1f, false, probs, Parallel.SERIAL);
        assertEquals(0.25f, probs[0], 1e-7f);
        assertEquals(0.75f, probs[1], 1e-7f);
        assertEquals(7f, out[0], 1e-6f);
    }

    @Test
    void badShapesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Attention.attention(new float[12], new float[4], new float[4], new float[12], 1, 1, 3, 2, 4, 1f, false, null, PAR));
        assertTrue(e.getMessage().contains("kv heads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Attention.attention(new float[8], new float[4], new float[4], new float[8], 2, 1, 1, 1, 4, 1f, true, null, PAR));
        assertTrue(e.getMessage().contains("causal"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Attention.attention(new float[4], new float[4], new float[3], new float[4], 1, 1, 1, 1, 4, 1f, false, null, PAR));
        assertTrue(e.getMessage().contains(" v "), e.getMessage());
    }
}
