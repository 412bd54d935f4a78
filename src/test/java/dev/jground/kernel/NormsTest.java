package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class NormsTest {

    // ---- float64 twins -------------------------------------------------------------------

    static double[] layerNorm(float[] x, int rows, int dim, float[] w, float[] b, double eps) {
        double[] y = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < dim; i++) mean += x[r * dim + i];
            mean /= dim;
            for (int i = 0; i < dim; i++) var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
            double rstd = 1 / Math.sqrt(var / dim + eps);
            for (int i = 0; i < dim; i++)
                y[r * dim + i] = (x[r * dim + i] - mean) * rstd * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
        }
        return y;
    }

    static double[] rmsNorm(float[] x, int rows, int dim, float[] w, double eps) {
        double[] y = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int i = 0; i < dim; i++) ms += (double) x[r * dim + i] * x[r * dim + i];
            double rstd = 1 / Math.sqrt(ms / dim + eps);
            for (int i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i] * rstd * (w == null ? 1 : w[i]);
        }
        return y;
    }

    static double[] groupNorm(float[] x, int channels, int spatial, int groups, float[] w, float[] b, double eps) {
        double[] y = new double[channels * spatial];
        int per = channels / groups, n = per * spatial;
        for (int g = 0; g < groups; g++) {
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) mean += x[g * n + i];
            mean /= n;
            for (int i = 0; i < n; i++) var += (x[g * n + i] - mean) * (x[g * n + i] - mean);
            double rstd = 1 / Math.sqrt(var / n + eps);
            for (int c = g * per; c < (g + 1) * per; c++)
                for (int s = 0; s < spatial; s++)
                    y[c * spatial + s] = (x[c * spatial + s] - mean) * rstd * (w == null ? 1 : w[c]) + (b == null ? 0 : b[c]);
        }
        return y;
    }

    // Outputs are O(1) (normalised, weights ~1). Float error: the row statistics are within a few
    // 1e-7 relative (double block sums), and each output takes ~4 float roundings (~3e-7 of O(1)).
    // 2e-6 absolute + 2e-6 relative leaves headroom and is well inside the goldens' ~1e-5.
    private static final double ABS = 2e-6, REL = 2e-6;

    @Test
    void layerNormMatchesTwin() {
        Random r = new Random(11);
        for (int dim : SIZES) {
            for (double offset : new double[]{0, 3, 1000}) {   // a large mean tests the two-pass statistics
                int rows = 3;
                float[] x = gaussian(r, rows * dim, 2, offset), w = gaussian(r, dim, 0.5, 1), b = gaussian(r, dim, 0.5, 0);
                float[] out = new float[rows * dim];
                Norms.layerNorm(x, out, rows, dim, w, b, 1e-5f, PAR);
                assertClose("layerNorm dim=" + dim + " offset=" + offset, layerNorm(x, rows, dim, w, b, 1e-5f), out, ABS, REL);
                double[] plain = layerNorm(x, rows, dim, null, null, 1e-6f);
                Norms.layerNorm(x, x, rows, dim, null, null, 1e-6f, PAR);   // in place, no affine
                assertClose("layerNorm in place dim=" + dim, plain, x, ABS, REL);
            }
        }
    }

    private static final Parallel PAR = Parallel.of(3);

    @Test
    void layerNormSplitOverThreadsGivesTheSameBits() {
        int rows = 401, dim = 257;   // 63 rows a grain: the rows split three ways
        float[] x = gaussian(new Random(14), rows * dim, 2, 3), w = gaussian(new Random(15), dim, 0.5, 1);
        float[] serial = new float[rows * dim], split = new float[rows * dim];
        Norms.layerNorm(x, serial, rows, dim, w, null, 1e-6f, Parallel.SERIAL);
        Norms.layerNorm(x, split, rows, dim, w, null, 1e-6f, PAR);
        assertArrayEquals(serial, split);
        assertClose("layerNorm 401 rows", layerNorm(x, rows, dim, w, null, 1e-6f), split, ABS, REL);
    }

    /** LayerNorm2d against the row twin on the transposed map: [C, spatial] normalised down each column. */
    @Test
    void layerNormChannelsMatchesTheRowTwinTransposed() {
        Random r = new Random(16);
        int[][] shapes = {{1, 1}, {7, 1}, {1, 7}, {3, 33}, {33, 7}, {256, 1031}, {64, 3 * Activations.GRAIN / 64 + 5}};
        for (int[] sh : shapes) {
            int c = sh[0], sp = sh[1];
            for (double offset : new double[]{0, 1000}) {
                float[] x = gaussian(r, c * sp, 2, offset), w = gaussian(r, c, 0.5, 1), b = gaussian(r, c, 0.5, 0);
                float[] tokens = new float[c * sp];
                for (int ch = 0; ch < c; ch++)
                    for (int p = 0; p < sp; p++) tokens[p * c + ch] = x[ch * sp + p];
                double[] rows = layerNorm(tokens, sp, c, w, b, 1e-6f), want = new double[c * sp];
                for (int ch = 0; ch < c; ch++)
                    for (int p = 0; p < sp; p++) want[ch * sp + p] = rows[p * c + ch];
                float[] out = new float[c * sp], serial = new float[c * sp];
                Norms.layerNormChannels(x, out, c, sp, w, b, 1e-6f, PAR);
                String what = "layerNormChannels [" + c + ", " + sp + "] offset " + offset;
                assertClose(what, want, out, ABS, REL);
                Norms.layerNormChannels(x, serial, c, sp, w, b, 1e-6f, Parallel.SERIAL);
                assertArrayEquals(serial, out, what + " serial");
                Norms.layerNormChannels(x, x, c, sp, null, null, 1e-6f, PAR);   // in place, no affine
                double[] plain = layerNorm(tokens, sp, c, null, null, 1e-6f);
                for (int ch = 0; ch < c; ch++)
                    for (int p = 0; p < sp; p++) want[ch * sp + p] = plain[p * c + ch];
                assertClose(what + " in place", want, x, ABS, REL);
            }
        }
    }

    @Test
    void layerNormOfConstantRowIsBias() {
        float[] x = {5f, 5f, 5f}, out = new float[3];
        Norms.layerNorm(x, out, 1, 3, new float[]{2, 2, 2}, new float[]{1, -1, 0.5f}, 1e-5f, Parallel.SERIAL);
        assertArrayEquals(new float[]{1, -1, 0.5f}, out);
    }

    @Test
    void rmsNormMatchesTwin() {
        Random r = new Random(12);
        for (int dim : SIZES) {
            int rows = 2;
            float[] x = gaussian(r, rows * dim, 3, 0.5), w = gaussian(r, dim, 0.5, 1), out = new float[rows * dim];
            Norms.rmsNorm(x, out, rows, dim, w, 1e-6f);
            assertClose("rmsNorm dim=" + dim, rmsNorm(x, rows, dim, w, 1e-6f), out, ABS, REL);
            Norms.rmsNorm(x, out, rows, dim, null, 1e-5f);
            assertClose("rmsNorm no weight dim=" + dim, rmsNorm(x, rows, dim, null, 1e-5f), out, ABS, REL);
        }
    }

    @Test
    void rmsNormHandExample() {
        float[] x = {3f, 4f}, out = new float[2];   // mean(x²) = 12.5
        Norms.rmsNorm(x, out, 1, 2, new float[]{1f, 2f}, 0f);
        assertEquals(3 / Math.sqrt(12.5), out[0], 2.4e-7);   // one float ulp at 2.26
        assertEquals(8 / Math.sqrt(12.5), out[1], 2.4e-7);
    }

    @Test
    void groupNormMatchesTwin() {
        Random r = new Random(13);
        int[][] shapes = {{1, 1, 1}, {3, 7, 1}, {3, 7, 3}, {32, 33, 8}, {64, 257, 32}, {6, 1031, 2}};
        for (int[] s : shapes) {
            int c = s[0], sp = s[1], g = s[2];
            float[] x = gaussian(r, c * sp, 2, 10), w = gaussian(r, c, 0.5, 1), b = gaussian(r, c, 0.5, 0);
            float[] out = new float[c * sp];
            Norms.groupNorm(x, out, c, sp, g, w, b, 1e-6f);
            assertClose("groupNorm " + java.util.Arrays.toString(s), groupNorm(x, c, sp, g, w, b, 1e-6f), out, ABS, REL);
            Norms.groupNorm(x, out, c, sp, g, null, null, 1e-5f);
            assertClose("groupNorm identity " + java.util.Arrays.toString(s), groupNorm(x, c, sp, g, null, null, 1e-5f), out, ABS, REL);
        }
    }

    @Test
    void badShapesAreRejectedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Norms.groupNorm(new float[12], new float[12], 6, 2, 4, null, null, 1e-5f));
        assertTrue(e.getMessage().contains("groups"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Norms.layerNorm(new float[6], new float[6], 2, 3, new float[2], null, 1e-5f, Parallel.SERIAL));
        assertTrue(e.getMessage().contains("weight"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Norms.rmsNorm(new float[5], new float[6], 2, 3, null, 1e-5f));
        e = assertThrows(IllegalArgumentException.class, () -> Norms.layerNormChannels(new float[6], new float[6], 2, 3, null, new float[3], 1e-5f, PAR));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
    }
}
