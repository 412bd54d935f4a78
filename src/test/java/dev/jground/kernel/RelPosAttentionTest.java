package dev.jground.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class RelPosAttentionTest {
    private static final Parallel PAR = Parallel.of(3);

    /** segment-anything Attention with add_decomposed_rel_pos, written out in double. */
    static double[] twin(float[] qkv, int batch, int h, int w, int heads, int d, float scale, float[] rh, float[] rw) {
        int t = h * w, width = heads * d, row = 3 * width;
        double[] out = new double[batch * t * width];
        for (int g = 0; g < batch; g++)
            for (int head = 0; head < heads; head++)
                for (int i = 0; i < t; i++) {
                    int q = (g * t + i) * row + head * d;
                    double[] logit = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        int k = (g * t + j) * row + width + head * d;
                        int hIdx = i / w - j / w + h - 1, wIdx = i % w - j % w + w - 1;
                        double qk = 0, bh = 0, bw = 0;
                        for (int c = 0; c < d; c++) {
                            qk += (double) qkv[q + c] * qkv[k + c];
                            bh += (double) qkv[q + c] * rh[hIdx * d + c];
                            bw += (double) qkv[q + c] * rw[wIdx * d + c];
                        }
                        logit[j] = qk * scale + bh + bw;
                        max = Math.max(max, logit[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) sum += logit[j] = Math.exp(logit[j] - max);
                    for (int j = 0; j < t; j++) {
                        int v = (g * t + j) * row + 2 * width + head * d;
                        for (int c = 0; c < d; c++) out[(g * t + i) * width + head * d + c] += logit[j] / sum * qkv[v + c];
                    }
                }
        return out;
    }

    @ParameterizedTest
    // grids of 1, 7, 33 and over 1000 tokens, query tiles of 48 cut anywhere, head sizes off the 8-channel tiles
    @CsvSource({"1, 1, 1, 1, 1", "2, 3, 5, 2, 7", "1, 7, 3, 3, 33", "3, 6, 6, 4, 16", "1, 16, 16, 1, 3", "1, 2, 9, 2, 64",
                "1, 1, 7, 2, 9", "2, 11, 3, 1, 8", "1, 33, 33, 1, 7", "1, 7, 149, 2, 5", "2, 14, 14, 3, 64"})
    void matchesTheScalarTwin(int batch, int h, int w, int heads, int d) {
        Random r = new Random(batch * 1000 + h * 100 + w * 10 + d);
        float scale = (float) Math.pow(d, -0.5);
        float[] qkv = gaussian(r, batch * h * w * 3 * heads * d, 1, 0);
        float[] rh = gaussian(r, (2 * h - 1) * d, 0.5, 0), rw = gaussian(r, (2 * w - 1) * d, 0.5, 0);
        float[] out = new float[batch * h * w * heads * d];
        RelPosAttention.attention(qkv, out, batch, h, w, heads, d, scale, rh, rw, PAR);
        assertClose("rel-pos attention", twin(qkv, batch, h, w, heads, d, scale, rh, rw), out, 2e-5, 2e-5);
    }

    /**
     * Windows cut from a grid in place are the batch form of window_partition's copies (padding
     * rows = pad), unpartitioned: grids of 1, 35, 99 and 1089 tokens, windows larger than the grid.
     */
    @ParameterizedTest
    @CsvSource({"1, 1, 1, 1, 1", "7, 5, 3, 2, 7", "9, 11, 4, 3, 16", "33, 33, 14, 1, 9", "5, 3, 7, 2, 5", "16, 16, 6, 4, 16"})
    void windowsAreTheBatchFormOfThePartitionedGrid(int h, int w, int size, int heads, int d) {
        Random r = new Random(h * 100 + w * 10 + size);
        int width = heads * d, row = 3 * width, nh = (h + size - 1) / size, nw = (w + size - 1) / size, t = size * size;
        float scale = (float) Math.pow(d, -0.5);
        float[] qkv = gaussian(r, h * w * row, 1, 0), pad = gaussian(r, row, 1, 0);
        float[] rh = gaussian(r, (2 * size - 1) * d, 0.5, 0), rw = gaussian(r, (2 * size - 1) * d, 0.5, 0);
        float[] windows = new float[nh * nw * t * row];
        for (int n = 0; n < nh * nw; n++)
            for (int j = 0; j < t; j++) {
                int y = n / nw * size + j / size, x = n % nw * size + j % size;
                System.arraycopy(y < h && x < w ? qkv : pad, y < h && x < w ? (y * w + x) * row : 0, windows, (n * t + j) * row, row);
            }
        double[] batch = twin(windows, nh * nw, size, size, heads, d, scale, rh, rw);
        double[] want = new double[h * w * width];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < width; c++)
                    want[(y * w + x) * width + c] = batch[((y / size * nw + x / size) * t + y % size * size + x % size) * width + c];
        float[] out = new float[h * w * width], serial = new float[out.length];
        RelPosAttention.windows(qkv, out, h, w, size, size, pad, heads, d, scale, rh, rw, PAR);
        assertClose("windows " + h + "x" + w + " of " + size, want, out, 2e-5, 2e-5);
        RelPosAttention.windows(qkv, serial, h, w, size, size, pad, heads, d, scale, rh, rw, Parallel.SERIAL);
        assertArrayEquals(serial, out, "one thread and three");
    }

    /** Each output is its own query's arithmetic, so no thread count changes a bit. */
    @Test void sameBitsOnAnyThreadCount() {
        int batch = 5, h = 9, w = 13, heads = 3, d = 10;
        Random r = new Random(5);
        float[] qkv = gaussian(r, batch * h * w * 3 * heads * d, 1, 0);
        float[] rh = gaussian(r, (2 * h - 1) * d, 0.5, 0), rw = gaussian(r, (2 * w - 1) * d, 0.5, 0);
        float[] serial = new float[batch * h * w * heads * d], parallel = new float[serial.length];
        RelPosAttention.attention(qkv, serial, batch, h, w, heads, d, 0.3f, rh, rw, Parallel.SERIAL);
        RelPosAttention.attention(qkv, parallel, batch, h, w, heads, d, 0.3f, rh, rw, PAR);
        assertArrayEquals(serial, parallel);
    }

    /** One key row per position term: with q = e0 and k = 0, the logits are exactly the table entries. */
    @Test void positionTermsUseTheUnscaledQueryAndTheRelativeIndex() {
        int h = 1, w = 2, d = 1;
        // tokens (0,0) and (0,1); q = 1 for both, k = 0, v = token index
        float[] qkv = {1, 0, 0,   1, 0, 1};
        float[] rh = {0}, rw = {3, 0, -1};   // rw[x_q - x_k + 1]
        float[] out = new float[2];
        RelPosAttention.attention(qkv, out, 1, h, w, 1, d, 100f, rh, rw, Parallel.SERIAL);
        // query 0: logits (rw[1], rw[0]) = (0, 3); query 1: (rw[2], rw[1]) = (-1, 0)
        double p0 = Math.exp(3) / (1 + Math.exp(3)), p1 = 1 / (Math.exp(-1) + 1);
        assertEquals(p0, out[0], 1e-6);
        assertEquals(p1, out[1], 1e-6);
    }

    @Test void wrongTableSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelPosAttention.attention(
                new float[3 * 4], new float[4], 1, 2, 2, 1, 1, 1f, new float[2], new float[3], Parallel.SERIAL));
        assertTrue(e.getMessage().contains("need [3, 1] and [3, 1]"), e.getMessage());
    }
}
