package dev.jground.nn;

import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What every {@link Backend} must do for the ops models are written in, checked against plain
 * scalar twins below on odd sizes. A backend's test extends this and says how to make one;
 * {@link #backend()} is called once per test class, and the backend is closed after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContractTest {

    protected abstract Backend backend();

    protected Backend b;

    @BeforeAll void open() { b = backend(); }

    @AfterAll void close() { if (b != null) b.close(); }

    // ---- moving data -------------------------------------------------------------------

    @Test void uploadThenDownloadGivesTheSameValues() {
        for (int[] shape : new int[][] {{1}, {3, 7}, {2, 3, 33}, {1031}}) {
            float[] data = random(new Random(shape.length), (int) Shapes.numel(shape), 10);
            Tensor t = b.upload(data, shape);
            assertArrayEquals(shape, t.shape());
            assertEquals(DType.F32, t.dtype());
            assertArrayEquals(data, b.download(t));
        }
    }

    @Test void uploadRejectsAWrongValueCount() {
        assertThrows(IllegalArgumentException.class, () -> b.upload(new float[5], 2, 3));
    }

    @ParameterizedTest @ValueSource(strings = {"F32", "F16", "BF16"})
    void weightsKeepTheirDtypeAndDownloadWidened(String dtype) {
        DType t = DType.valueOf(dtype);
        Weights w = weights(t, new Random(3), 3, 7, 2);
        Tensor dev = b.weight(w.view);
        assertEquals(t, dev.dtype());
        assertArrayEquals(new int[] {3, 7}, dev.shape());
        assertArrayEquals(w.values, b.download(dev));
    }

    @ParameterizedTest @MethodSource("matrixShapes")
    void transposeSwapsRowsAndColumns(int rows, int cols) {
        float[] data = random(new Random(rows * 31 + cols), rows * cols, 5);
        Tensor t = b.transpose(b.upload(data, rows, cols), rows, cols);
        assertArrayEquals(new int[] {cols, rows}, t.shape());
        float[] got = b.download(t);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) assertEquals(data[i * cols + j], got[j * rows + i]);
    }

    static Stream<Arguments> matrixShapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 7), Arguments.of(7, 1), Arguments.of(3, 33), Arguments.of(257, 5));
    }

    @Test void concatStacksAlongTheFirstDimensionAndSliceTakesRowsBack() {
        float[] a = random(new Random(11), 2 * 7, 3), c = random(new Random(12), 5 * 7, 3);
        Weights w = weights(DType.F16, new Random(13), 1, 7, 2);          // a weight row can be a part
        Tensor all = b.concat(b.upload(a, 2, 7), b.weight(w.view), b.upload(c, 5, 7));
        assertArrayEquals(new int[] {8, 7}, all.shape());
        float[] got = b.download(all);
        float[] expected = new float[8 * 7];
        System.arraycopy(a, 0, expected, 0, 14);
        System.arraycopy(w.values, 0, expected, 14, 7);
        System.arraycopy(c, 0, expected, 21, 35);
        assertArrayEquals(expected, got);
        Tensor middle = b.slice(all, 2, 4);
        assertArrayEquals(new int[] {2, 7}, middle.shape());
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, 14, 28), b.download(middle));
        assertEquals(0, b.slice(all, 3, 3).numel());
    }

    @Test void concatAndSliceRejectMisfits() {
        assertThrows(IllegalArgumentException.class, () -> b.concat(b.upload(new float[6], 2, 3), b.upload(new float[4], 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> b.slice(b.upload(new float[6], 2, 3), 1, 3));
        assertThrows(IllegalArgumentException.class, () -> b.transpose(b.upload(new float[6], 2, 3), 4, 2));
    }

    @Test void writeRowsFillsAZeroBufferInPlace() {
        Tensor cache = b.zeros(5, 3);
        assertArrayEquals(new float[15], b.download(cache));
        b.writeRows(cache, 1, b.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        b.writeRows(cache, 4, b.upload(new float[] {7, 8, 9}, 3));
        assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 7, 8, 9}, b.download(cache));
        assertThrows(IllegalArgumentException.class, () -> b.writeRows(cache, 4, b.upload(new float[6], 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> b.writeRows(cache, 0, b.upload(new float[4], 2, 2)));
    }

    @ParameterizedTest @ValueSource(strings = {"F32", "F16", "BF16"})
    void embeddingPicksTableRows(String dtype) {
        Weights w = weights(DType.valueOf(dtype), new Random(21), 33, 7, 1);
        int[] ids = {32, 0, 5, 5};
        Tensor e = b.embedding(b.weight(w.view), ids);
        assertArrayEquals(new int[] {4, 7}, e.shape());
        float[] got = b.download(e);
        for (int i = 0; i < ids.length; i++)
            assertArrayEquals(java.util.Arrays.copyOfRange(w.values, ids[i] * 7, ids[i] * 7 + 7),
                    java.util.Arrays.copyOfRange(got, i * 7, i * 7 + 7));
        assertThrows(IllegalArgumentException.class, () -> b.embedding(b.weight(w.view), new int[] {33}));
    }

    @Test void reshapeKeepsTheDataUnderANewShape() {
        float[] data = random(new Random(4), 12, 1);
        Tensor t = b.upload(data, 2, 6);
        Tensor r = b.reshape(t, 3, 4);
        assertArrayEquals(new int[] {3, 4}, r.shape());
        assertArrayEquals(data, b.download(r));
        float[] row = random(new Random(5), 4, 1);
        assertArrayEquals(addRef(data, row, 4), b.download(b.add(r, b.upload(row, 4))), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> b.reshape(t, 5, 2));
    }

    // ---- matmul ------------------------------------------------------------------------

    static Stream<Arguments> matmulCases() {
        int[][] sizes = {{1, 1, 1}, {1, 3, 7}, {3, 7, 33}, {7, 33, 257}, {33, 257, 7}, {3, 1031, 33}, {1, 7, 1031}, {257, 3, 1000}, {16, 32, 64}};   // the last: whole 16-wide tiles
        List<Arguments> out = new ArrayList<>();
        for (String dt : new String[] {"F32", "F16", "BF16"})
            for (int[] s : sizes)
                for (boolean bias : new boolean[] {false, true})
                    out.add(Arguments.of(dt, s[0], s[1], s[2], bias));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} bias={4}") @MethodSource("matmulCases")
    void matmulMatchesTheScalarTwin(String dtype, int m, int n, int k, boolean withBias) {
        DType t = DType.valueOf(dtype);
        Random rnd = new Random(m * 31L + n * 7L + k);
        float[] x = random(rnd, m * k, 1);
        Weights w = weights(t, rnd, n, k, 1);
        Weights bias = withBias ? vector(t, rnd, n, 1) : null;
        Tensor y = b.matmul(b.upload(x, m, k), b.weight(w.view),
                withBias ? b.weight(bias.view) : null);
        assertArrayEquals(new int[] {m, n}, y.shape());
        assertMatmul(x, w.values, withBias ? bias.values : null, m, n, k, b.download(y));
    }

    @Test void matmulKeepsLeadingDimensions() {
        Random rnd = new Random(6);
        int k = 33, n = 7;
        float[] x = random(rnd, 2 * 3 * k, 1);
        Weights w = weights(DType.F16, rnd, n, k, 1);
        Tensor y = b.matmul(b.upload(x, 2, 3, k), b.weight(w.view), null);
        assertArrayEquals(new int[] {2, 3, n}, y.shape());
        assertMatmul(x, w.values, null, 6, n, k, b.download(y));
    }

    @Test void matmulRejectsMismatchedK() {
        Weights w = weights(DType.F32, new Random(7), 3, 5, 1);
        assertThrows(IllegalArgumentException.class, () -> b.matmul(b.upload(new float[8], 2, 4), b.weight(w.view), null));
    }

    // ---- elementwise -------------------------------------------------------------------

    // the last is large enough for the CPU to split it over threads
    static Stream<int[]> shapes() {
        return Stream.of(new int[] {1}, new int[] {3, 7}, new int[] {33, 257}, new int[] {2, 3, 1031}, new int[] {7, 9001});
    }

    @ParameterizedTest @MethodSource("shapes")
    void addAndMulOfTheSameShape(int[] shape) {
        Random rnd = new Random(shape.length);
        int len = (int) Shapes.numel(shape);
        float[] x = random(rnd, len, 3), z = random(rnd, len, 3);
        Tensor a = b.upload(x, shape), c = b.upload(z, shape);
        assertArrayEquals(addRef(x, z, len), b.download(b.add(a, c)), 0f);
        assertArrayEquals(mulRef(x, z, len), b.download(b.mul(a, c)), 0f);
        assertArrayEquals(shape, b.add(a, c).shape());
    }

    @ParameterizedTest @MethodSource("shapes")
    void addAndMulBroadcastOneRow(int[] shape) {
        Random rnd = new Random(10 + shape.length);
        int len = (int) Shapes.numel(shape), d = shape[shape.length - 1];
        float[] x = random(rnd, len, 3), row = random(rnd, d, 3);
        Tensor a = b.upload(x, shape), r = b.upload(row, d);
        assertArrayEquals(addRef(x, row, d), b.download(b.add(a, r)), 0f);
        assertArrayEquals(mulRef(x, row, d), b.download(b.mul(a, r)), 0f);
        assertArrayEquals(shape, b.mul(a, r).shape());
    }

    @Test void addRejectsAnotherShape() {
        Tensor a = b.upload(new float[6], 2, 3);
        assertThrows(IllegalArgumentException.class, () -> b.add(a, b.upload(new float[2], 2)));
        assertThrows(IllegalArgumentException.class, () -> b.mul(a, b.upload(new float[6], 3, 2)));
    }

    @ParameterizedTest @MethodSource("shapes")
    void scaleMultipliesEveryElement(int[] shape) {
        int len = (int) Shapes.numel(shape);
        float[] x = random(new Random(20), len, 5);
        float[] want = new float[len];
        for (int i = 0; i < len; i++) want[i] = x[i] * -0.375f;
        assertArrayEquals(want, b.download(b.scale(b.upload(x, shape), -0.375f)), 0f);
    }

    // ---- softmax -----------------------------------------------------------------------

    @ParameterizedTest @ValueSource(ints = {1, 3, 7, 33, 257, 1031})
    void softmaxMatchesTheScalarTwin(int d) {
        int rows = 5;
        float[] x = random(new Random(d), rows * d, 8);
        assertSoftmax(x, d, b.download(b.softmax(b.upload(x, rows, d))));
    }

    @Test void softmaxOfLargeLogitsDoesNotOverflow() {
        int d = 33;
        float[] x = random(new Random(9), 3 * d, 50);
        for (int i = 0; i < x.length; i++) x[i] += i < d ? 1000f : i < 2 * d ? -1000f : 88.8f;   // exp(89) is +inf in float
        float[] y = b.download(b.softmax(b.upload(x, 3, d)));
        for (float v : y) assertTrue(Float.isFinite(v), "softmax produced " + v);
        assertSoftmax(x, d, y);
    }

    @Test void softmaxKeepsTheShapeOfHigherRanks() {
        float[] x = random(new Random(11), 2 * 3 * 7, 4);
        Tensor y = b.softmax(b.upload(x, 2, 3, 7));
        assertArrayEquals(new int[] {2, 3, 7}, y.shape());
        assertSoftmax(x, 7, b.download(y));
    }

    // ---- added for SAM -----------------------------------------------------------------

    @Test void reluZeroesNegativesOnly() {
        float[] x = random(new Random(11), 257, 2);
        float[] got = b.download(b.relu(b.upload(x, 1, 257)));
        for (int i = 0; i < x.length; i++) assertEquals(Math.max(x[i], 0f), got[i], "element " + i);
    }

    @ParameterizedTest @MethodSource("mapShapes")
    void layerNorm2dNormalisesEachPositionOverTheChannels(int c, int h, int w) {
        Random rnd = new Random(c * 7 + h);
        int hw = h * w;
        float[] x = random(rnd, c * hw, 3), weight = random(rnd, c, 1), bias = random(rnd, c, 1);
        float[] got = b.download(b.layerNorm2d(b.upload(x, c, h, w), b.upload(weight, c), b.upload(bias, c), 1e-6f));
        for (int p = 0; p < hw; p++) {
            double mean = 0, var = 0;
            for (int ch = 0; ch < c; ch++) mean += x[ch * hw + p];
            mean /= c;
            for (int ch = 0; ch < c; ch++) var += (x[ch * hw + p] - mean) * (x[ch * hw + p] - mean);
            double rstd = 1 / Math.sqrt(var / c + 1e-6);
            for (int ch = 0; ch < c; ch++) {
                double want = (x[ch * hw + p] - mean) * rstd * weight[ch] + bias[ch];
                assertEquals(want, got[ch * hw + p], 2e-5 + 2e-5 * Math.abs(want), "channel " + ch + ", position " + p);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> b.layerNorm2d(b.upload(x, c, hw), b.upload(weight, c), b.upload(bias, c), 1e-6f));
    }

    static Stream<Arguments> mapShapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(7, 3, 5), Arguments.of(33, 1, 7), Arguments.of(64, 33, 40));
    }

    @Test void windowPartitionPadsAndUnpartitionDropsThePadding() {
        int h = 7, w = 5, c = 3, win = 3;
        float[] x = new float[h * w * c];
        for (int i = 0; i < x.length; i++) x[i] = i + 1;
        Tensor windows = b.windowPartition(b.upload(x, h, w, c), win);
        assertArrayEquals(new int[] {6, 9, 3}, windows.shape());
        float[] got = b.download(windows);
        // window (1, 1) = rows 3..5, columns 3..5: its token (2, 1) is (5, 4); its token (0, 2) is column 5, padding
        assertEquals(x[(5 * w + 4) * c + 2], got[((1 * 2 + 1) * 9 + 2 * 3 + 1) * c + 2]);
        assertEquals(0f, got[((1 * 2 + 1) * 9 + 2) * c]);
        // window (2, 0) holds only row 6
        assertEquals(x[(6 * w + 2) * c], got[((2 * 2) * 9 + 2) * c]);
        assertEquals(0f, got[((2 * 2) * 9 + 3) * c]);
        assertArrayEquals(x, b.download(b.windowUnpartition(windows, win, h, w)));
        assertThrows(IllegalArgumentException.class, () -> b.windowUnpartition(windows, win, 9, 9));
        assertThrows(IllegalArgumentException.class, () -> b.windowPartition(b.upload(x, h * w, c), win));
    }

    @Test void cropTakesARegionOfEveryChannel() {
        float[] x = new float[2 * 4 * 5];
        for (int i = 0; i < x.length; i++) x[i] = i;
        Tensor y = b.crop(b.upload(x, 2, 4, 5), 1, 2, 3, 2);
        assertArrayEquals(new int[] {2, 3, 2}, y.shape());
        assertArrayEquals(new float[] {7, 8, 12, 13, 17, 18, 27, 28, 32, 33, 37, 38}, b.download(y));
        assertThrows(IllegalArgumentException.class, () -> b.crop(b.upload(x, 2, 4, 5), 2, 0, 3, 5));
    }

    /** segment-anything's window_partition (padding rows = pad), Attention with rel-pos, window_unpartition, in double. */
    static double[] windowAttentionTwin(float[] qkv, int h, int w, int size, int heads, int d, float scale, float[] rh, float[] rw, float[] pad) {
        int width = heads * d, row = 3 * width;
        double[] out = new double[h * w * width];
        for (int gy = 0; gy < h; gy++)
            for (int gx = 0; gx < w; gx++)
                for (int head = 0; head < heads; head++) {
                    int y0 = gy / size * size, x0 = gx / size * size, q = (gy * w + gx) * row + head * d;
                    double[] p = new double[size * size];
                    double sum = 0;
                    for (int j = 0; j < size * size; j++) {
                        int ky = y0 + j / size, kx = x0 + j % size;
                        boolean inside = ky < h && kx < w;
                        double logit = 0;
                        for (int c = 0; c < d; c++) {
                            double k = inside ? qkv[(ky * w + kx) * row + width + head * d + c] : pad == null ? 0 : pad[width + head * d + c];
                            logit += qkv[q + c] * (k * (double) scale + rh[(gy - ky + size - 1) * d + c] + rw[(gx - kx + size - 1) * d + c]);
                        }
                        sum += p[j] = Math.exp(logit);
                    }
                    for (int j = 0; j < size * size; j++) {
                        int ky = y0 + j / size, kx = x0 + j % size;
                        for (int c = 0; c < d; c++) {
                            double v = ky < h && kx < w ? qkv[(ky * w + kx) * row + 2 * width + head * d + c] : pad == null ? 0 : pad[2 * width + head * d + c];
                            out[(gy * w + gx) * width + head * d + c] += p[j] / sum * v;
                        }
                    }
                }
        return out;
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"1, 1, 1, 1, 1, true", "7, 5, 3, 2, 7, true", "4, 4, 4, 1, 33, false",
            "5, 3, 7, 3, 5, true", "9, 11, 4, 2, 16, false"})
    void relPosAttentionCutsWindowsFromTheGrid(int h, int w, int size, int heads, int d, boolean withPad) {
        Random rnd = new Random(h * 31 + w * 7 + size);
        int width = heads * d, row = 3 * width;
        float scale = (float) Math.pow(d, -0.5);
        float[] qkv = random(rnd, h * w * row, 1), rh = random(rnd, (2 * size - 1) * d, 0.5f), rw = random(rnd, (2 * size - 1) * d, 0.5f);
        float[] pad = withPad ? random(rnd, row, 1) : null;
        Tensor y = b.relPosAttention(b.upload(qkv, h, w, row), heads, size, scale,
                b.upload(rh, 2 * size - 1, d), b.upload(rw, 2 * size - 1, d), pad == null ? null : b.upload(pad, row));
        assertArrayEquals(new int[] {h, w, width}, y.shape());
        double[] want = windowAttentionTwin(qkv, h, w, size, heads, d, scale, rh, rw, pad);
        float[] got = b.download(y);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 2e-5 + 2e-5 * Math.abs(want[i]), "element " + i);
        assertThrows(IllegalArgumentException.class, () -> b.relPosAttention(b.upload(qkv, h * w, row), heads, size, scale,
                b.upload(rh, 2 * size - 1, d), b.upload(rw, 2 * size - 1, d), null));
    }

    // ---- added for Stable Diffusion (their kernels are tested against twins in kernel/) -----

    @Test void padClampAndExp() {
        Tensor x = b.upload(new float[] {1, -2, 3, -40, 5, 60}, 1, 2, 3);
        Tensor p = b.pad(x, 0, 1, 0, 1);
        assertArrayEquals(new int[] {1, 3, 4}, p.shape());
        assertArrayEquals(new float[] {1, -2, 3, 0, -40, 5, 60, 0, 0, 0, 0, 0}, b.download(p));
        assertArrayEquals(new float[] {1, -2, 3, -30, 5, 20}, b.download(b.clamp(x, -30, 20)));
        assertArrayEquals(new float[] {(float) Math.E, (float) Math.exp(-2), (float) Math.exp(3)},
                java.util.Arrays.copyOf(b.download(b.exp(x)), 3), 1e-5f);
        var e = assertThrows(IllegalArgumentException.class, () -> b.pad(b.upload(new float[4], 2, 2), 0, 1, 0, 1));
        assertTrue(e.getMessage().startsWith("pad: input F32 [2, 2] is not [C, H, W]"), e.getMessage());
    }

    // ---- scalar twins and helpers ------------------------------------------------------

    static float[] addRef(float[] a, float[] b, int bLen) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] + b[i % bLen];
        return y;
    }

    static float[] mulRef(float[] a, float[] b, int bLen) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] * b[i % bLen];
        return y;
    }

    /** y = x·wᵀ + bias in double; each element may differ by float rounding of a sum of |terms|. */
    static void assertMatmul(float[] x, float[] w, float[] bias, int m, int n, int k, float[] got) {
        assertEquals(m * n, got.length);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double sum = bias == null ? 0 : bias[j], mag = Math.abs(sum);
                for (int t = 0; t < k; t++) {
                    sum += (double) x[i * k + t] * w[j * k + t];
                    mag += Math.abs((double) x[i * k + t] * w[j * k + t]);
                }
                double tol = 1e-6 * (Math.sqrt(k) + 2) * mag + 1e-6;   // ~20x the typical float error
                assertEquals(sum, got[i * n + j], tol, "y[" + i + ", " + j + "] of m=" + m + " n=" + n + " k=" + k);
            }
    }

    /** torch.softmax in double, max-subtracted. */
    static void assertSoftmax(float[] x, int d, float[] got) {
        assertEquals(x.length, got.length);
        for (int r = 0; r < x.length / d; r++) {
            double mx = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < d; c++) mx = Math.max(mx, x[r * d + c]);
            for (int c = 0; c < d; c++) sum += Math.exp(x[r * d + c] - mx);
            for (int c = 0; c < d; c++) {
                double want = Math.exp(x[r * d + c] - mx) / sum;
                assertEquals(want, got[r * d + c], 4e-6 * want + 1e-7, "row " + r + " col " + c + " of width " + d);
            }
        }
    }

    static float[] random(Random rnd, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return v;
    }

    /** A weight [rows, cols] stored as {@code dtype} in a heap segment, and its exact values widened to float. */
    record Weights(TensorView view, float[] values) {}

    static Weights weights(DType dtype, Random rnd, int rows, int cols, float scale) {
        return stored(dtype, random(rnd, rows * cols, scale), rows, cols);
    }

    /** A weight vector [n] (a bias, a norm weight) stored as {@code dtype}. */
    static Weights vector(DType dtype, Random rnd, int n, float scale) {
        return stored(dtype, random(rnd, n, scale), n);
    }

    private static Weights stored(DType dtype, float[] v, int... shape) {
        if (dtype == DType.F32) return new Weights(new TensorView("w", dtype, shape, MemorySegment.ofArray(v.clone())), v);
        short[] bits = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = dtype == DType.F16 ? Half.f32ToF16(v[i]) : Half.f32ToBf16(v[i]);
            v[i] = dtype == DType.F16 ? Half.f16ToF32(bits[i]) : Half.bf16ToF32(bits[i]);
        }
        return new Weights(new TensorView("w", dtype, shape, MemorySegment.ofArray(bits)), v);
    }
}
