package dev.jground.kernel;

import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class MatmulTest {

    private static final Arena ARENA = Arena.ofShared();
    private static final Parallel TWO = Parallel.of(2);

    @AfterAll static void close() { TWO.close(); ARENA.close(); }

    /** W [n, k] of dtype with values in [-1, 1), stored at byte offset {@code off} of a native segment. */
    private static WeightMatrix weights(DType dt, int n, int k, int off, SplittableRandom rnd) {
        long bytes = (long) n * k * dt.byteSize();
        MemorySegment s = ARENA.allocate(bytes + off, 64).asSlice(off, bytes);
        for (long i = 0; i < (long) n * k; i++) {
            float v = (float) rnd.nextDouble(-1, 1);
            switch (dt) {
                case F32 -> s.set(TensorView.F32, 4 * i, v);
                case F16 -> s.set(TensorView.I16, 2 * i, Float.floatToFloat16(v));
                default -> s.set(TensorView.I16, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        return new WeightMatrix(dt, n, k, s);
    }

    /** The scalar twin: double accumulation over W's elements as stored. */
    private static double[] reference(float[] x, int m, WeightMatrix w, float[] bias) {
        int n = w.rows(), k = w.cols();
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = bias == null ? 0 : bias[j];
                for (int kk = 0; kk < k; kk++) s += (double) x[i * k + kk] * w.get(j, kk);
                y[i * n + j] = s;
            }
        return y;
    }

    private static void check(DType dt, int m, int n, int k, boolean withBias, Parallel par, int off) {
        SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n + k);
        WeightMatrix w = weights(dt, n, k, off, rnd);
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        float[] bias = null;
        if (withBias) {
            bias = new float[n];
            for (int j = 0; j < n; j++) bias[j] = (float) rnd.nextDouble(-1, 1);
        }
        float[] y = new float[m * n + 3];
        java.util.Arrays.fill(y, 99f);
        Matmul.matmul(x, m, w, bias, y, par);
        double[] want = reference(x, m, w, bias);
        // float32 sums of k products of size <= 1 with random signs: error grows like sqrt(k) ulps of ~sqrt(k)
        double tol = 1e-5 * k + 1e-5;
        String what = dt + " m=" + m + " n=" + n + " k=" + k + " bias=" + withBias + " threads=" + par.threads() + " off=" + off;
        for (int i = 0; i < m * n; i++)
            if (Math.abs(y[i] - want[i]) > tol)
                fail(what + ": y[" + i / n + ", " + i % n + "] = " + y[i] + ", want " + want[i]);
        for (int i = m * n; i < y.length; i++) assertEquals(99f, y[i], what + ": wrote past y");
    }

    @Test
    void matchesScalarTwinOnOddShapes() {
        int[] sizes = {1, 3, 7, 33, 257};
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16})
            for (int m : new int[] {1, 3, 7, 33})
                for (int n : sizes)
                    for (int k : sizes)
                        check(dt, m, n, k, (m + n + k) % 2 == 0, (n + k) % 3 == 0 ? Parallel.SERIAL : TWO, (m + k) % 4);
    }

    @Test
    void manyRowsAndLongRowsCrossEveryBlockBoundary() {
        // m = 257 spans several x tiles and a ragged last tile; k = 1031 > the K block with a vector tail
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            check(dt, 257, 33, 1031, true, TWO, 1);
            check(dt, 257, 17, 1031, false, Parallel.SERIAL, 2);
            check(dt, 1, 1003, 1031, true, TWO, 3);
            check(dt, 7, 1003, 257, false, Parallel.SERIAL, 0);
        }
        // more rows than one M block
        check(DType.F16, 700, 9, 40, true, TWO, 1);
    }

    /** The channels-first form: x given as [K, m], y as [N, m]; the twin's sums, and the row form's bits, transposed. */
    @Test
    void columnsFormIsTheRowFormTransposed() {
        int[] ms = {1, 7, 8, 33, 1031}, ns = {1, 9, 130}, ks = {1, 33, 600};
        for (DType dt : new DType[] {DType.F32, DType.F16})
            for (int m : ms)
                for (int n : ns)
                    for (int k : ks) {
                        SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n + k);
                        WeightMatrix w = weights(dt, n, k, 0, rnd);
                        float[] x = new float[m * k], xT = new float[m * k], bias = new float[n];
                        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
                        for (int j = 0; j < n; j++) bias[j] = (float) rnd.nextDouble(-1, 1);
                        for (int i = 0; i < m; i++)
                            for (int kk = 0; kk < k; kk++) xT[kk * m + i] = x[i * k + kk];
                        float[] rows = new float[m * n], cols = new float[m * n + 3];
                        java.util.Arrays.fill(cols, 99f);
                        Matmul.matmul(x, m, w, bias, rows, TWO);
                        Matmul.matmulColumns(xT, m, w, bias, cols, TWO);
                        double[] want = reference(x, m, w, bias);
                        String what = dt + " m=" + m + " n=" + n + " k=" + k;
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++) {
                                assertEquals(rows[i * n + j], cols[j * m + i], what + ": y[" + j + ", " + i + "]");
                                assertEquals(want[i * n + j], cols[j * m + i], 1e-5 * k + 1e-5, what + ": against the twin");
                            }
                        for (int i = m * n; i < cols.length; i++) assertEquals(99f, cols[i], what + ": wrote past y");
                    }
    }

    /** Narrow W is shared out by groups of x tiles too; no split may change a bit of y. */
    @Test
    void sameBitsOnAnyThreadCount() {
        java.util.Random r = new java.util.Random(8);
        int m = 1031, k = 300;
        float[] x = TestArrays.gaussian(r, m * k, 1, 0);
        for (int n : new int[] {9, 128, 1003}) {
            WeightMatrix w = WeightMatrix.ofF32(TestArrays.gaussian(r, n * k, 1, 0), n, k);
            float[] serial = new float[m * n], two = new float[m * n], three = new float[m * n];
            Matmul.matmul(x, m, w, null, serial, Parallel.SERIAL);
            Matmul.matmul(x, m, w, null, two, TWO);
            try (Parallel par = Parallel.of(3)) { Matmul.matmul(x, m, w, null, three, par); }
            assertArrayEquals(serial, two, "n=" + n + " on two threads");
            assertArrayEquals(serial, three, "n=" + n + " on three threads");
        }
    }

    /** W [2048, 32] holding every finite 16-bit pattern once (Inf/NaN patterns replaced by 0). */
    private static WeightMatrix everyFinitePattern(DType dt) {
        short[] bits = new short[65536];
        for (int p = 0; p < 65536; p++) {
            float v = dt == DType.F16 ? Float.float16ToFloat((short) p) : dev.jground.tensor.Half.bf16ToF32((short) p);
            bits[p] = Float.isFinite(v) ? (short) p : 0;
        }
        return WeightMatrix.ofBits(dt, bits, 2048, 32);
    }

    @Test
    void everyFiniteWeightPatternIsWidenedExactlyByTheGemvPath() {
        // x = one-hot rows: y[i, j] = W[j, i] exactly (the other products are +-0). The GEMV path has its own
        // widening loop; the GEMM path widens panels with Convert, which ConvertTest checks on every pattern.
        int n = 2048, k = 32;   // short rows: few iterations of the widening loop run before the JIT compiles it
        for (DType dt : new DType[] {DType.F16, DType.BF16}) {
            WeightMatrix w = everyFinitePattern(dt);
            float[] y = new float[7 * n];
            for (int k0 = 0; k0 < k; k0 += 7) {   // 7 one-hot rows per call: still the GEMV path
                int m = Math.min(7, k - k0);
                float[] x = new float[m * k];
                for (int i = 0; i < m; i++) x[i * k + k0 + i] = 1f;
                Matmul.matmul(x, m, w, null, y, TWO);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                        if (y[i * n + j] != w.get(j, k0 + i))
                            fail(dt + " GEMV: W[" + j + ", " + (k0 + i) + "] = " + w.get(j, k0 + i) + ", got " + y[i * n + j]);
            }
        }
    }

    @Test
    void infinitiesAndNaNsInWeightsPropagate() {
        for (DType dt : new DType[] {DType.F16, DType.BF16}) {
            short inf = dt == DType.F16 ? (short) 0x7C00 : (short) 0x7F80, nan = dt == DType.F16 ? (short) 0x7E01 : (short) 0x7FC1;
            short one = dt == DType.F16 ? Float.floatToFloat16(1f) : (short) 0x3F80;
            int k = 70;
            short[] bits = new short[3 * k];
            java.util.Arrays.fill(bits, one);
            bits[5] = inf;
            bits[k + 40] = (short) (inf | 0x8000);
            bits[2 * k + 33] = nan;
            float[] x = new float[8 * k];
            java.util.Arrays.fill(x, 1f);
            for (int m : new int[] {1, 8}) {
                float[] y = new float[m * 3];
                Matmul.matmul(x, m, WeightMatrix.ofBits(dt, bits, 3, k), null, y, TWO);
                for (int i = 0; i < m; i++) {
                    assertEquals(Float.POSITIVE_INFINITY, y[i * 3], dt + " m=" + m);
                    assertEquals(Float.NEGATIVE_INFINITY, y[i * 3 + 1], dt + " m=" + m);
                    assertTrue(Float.isNaN(y[i * 3 + 2]), dt + " m=" + m);
                }
            }
        }
    }

    /**
     * The F16 GEMV widens by moving bits and scales x by 2^112 instead; an x with a finite value of
     * 2^16 or more would overflow so and goes the other way (the hardware conversion). Both ways
     * must give the twin's sums; an inf in x stays an inf either way.
     */
    @Test
    void f16GemvTakesLargeActivationsTheOtherWayWithTheSameResult() {
        SplittableRandom rnd = new SplittableRandom(5);
        int n = 33, k = 1031;
        WeightMatrix w = weights(DType.F16, n, k, 1, rnd);
        for (float big : new float[] {60000f, 65535f, 65536f, 3e5f, 1e30f}) {
            for (int m : new int[] {1, 3}) {
                float[] x = new float[m * k];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
                x[m * k / 2] = big;
                float[] y = new float[m * n];
                Matmul.matmul(x, m, w, null, y, TWO);
                double[] want = reference(x, m, w, null);
                for (int i = 0; i < m * n; i++)
                    assertEquals(want[i], y[i], 1e-5 * k + 1e-6 * Math.abs(want[i]), "x holding " + big + ", m=" + m + ": y[" + i + "]");
            }
        }
        float[] x = new float[k];
        java.util.Arrays.fill(x, 0.5f);
        x[100] = Float.POSITIVE_INFINITY;
        float[] y = new float[n];
        Matmul.matmul(x, 1, w, null, y, TWO);
        for (int j = 0; j < n; j++) {
            float wj = w.get(j, 100);
            float want = wj > 0 ? Float.POSITIVE_INFINITY : wj < 0 ? Float.NEGATIVE_INFINITY : Float.NaN;
            assertEquals(want, y[j], "inf in x, row " + j + " (weight " + wj + ")");
        }
    }

    @Test
    void degenerateShapes() {
        check(DType.F32, 0, 5, 5, true, TWO, 0);
        WeightMatrix empty = WeightMatrix.ofF32(new float[0], 3, 0);
        float[] y = new float[6];
        Matmul.matmul(new float[0], 2, empty, new float[] {1, 2, 3}, y, TWO);
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, y);
    }

    @Test
    void heapWeightsWork() {
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] y = new float[2];
        Matmul.matmul(new float[] {1, 1, 1}, 1, WeightMatrix.ofF32(w, 2, 3), null, y, Parallel.SERIAL);
        assertArrayEquals(new float[] {6, 15}, y);
        short[] h = new short[6];
        for (int i = 0; i < 6; i++) h[i] = Float.floatToFloat16(w[i]);
        Matmul.matmul(new float[] {1, 0, 2}, 1, WeightMatrix.ofBits(DType.F16, h, 2, 3), new float[] {10, 20}, y, TWO);
        assertArrayEquals(new float[] {17, 36}, y);
    }

    @Test
    void badShapesGetClearMessages() {
        WeightMatrix w = WeightMatrix.ofF32(new float[12], 3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Matmul.matmul(new float[7], 2, w, null, new float[6], TWO));
        assertEquals("matmul x [2, 4] · W [3, 4]ᵀ: x has 7 floats, needs 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matmul.matmul(new float[8], 2, w, null, new float[5], TWO));
        assertEquals("matmul x [2, 4] · W [3, 4]ᵀ: y has 5 floats, needs 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matmul.matmul(new float[8], 2, w, new float[4], new float[6], TWO));
        assertEquals("matmul x [2, 4] · W [3, 4]ᵀ: bias has 4 floats, needs 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matmul.matmul(new float[8], -1, w, null, new float[6], TWO));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }
}
