package dev.jground.nn;

import dev.jground.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;
import java.util.function.Function;

import static dev.jground.nn.BackendContractTest.random;
import static dev.jground.nn.BackendContractTest.vector;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The ops the OpenCL backend has beyond the first few, each against {@link CpuBackend} (whose
 * kernels have their scalar twins in dev.jground.kernel) on odd sizes: the same semantics, up to
 * the rounding each comment names. The CPU sums statistics in double and has its own exp and erf;
 * OpenCL sums in float and uses the built-ins, which the spec allows a few ulp (exp 3, erf 16).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClMatchesCpuTest {

    private OpenClBackend cl;
    private CpuBackend cpu;

    @BeforeAll void open() {
        cl = OpenClTests.openOrSkip();
        cpu = new CpuBackend(2);
    }

    @AfterAll void close() {
        if (cl != null) cl.close();
        if (cpu != null) cpu.close();
    }

    /**
     * op on both backends; each element within abs + rel |cpu| of the CPU's. NaN must meet NaN,
     * an infinity the same infinity.
     */
    private void assertSameOnBoth(String what, double abs, double rel, Function<Backend, Tensor> op) {
        Tensor c = op.apply(cpu), g = op.apply(cl);
        assertArrayEquals(c.shape(), g.shape(), what + ": shape");
        float[] want = cpu.download(c), got = cl.download(g);
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i]) || Float.isInfinite(want[i])) assertEquals(want[i], got[i], what + ": element " + i);
            else assertEquals(want[i], got[i], abs + rel * Math.abs(want[i]), what + ": element " + i);
        }
    }

    /**
     * A sum of products on both backends in different orders: each element within float rounding
     * of the sum of |terms|, which the CPU computes as op(|inputs|) (abs of every input): assertMatmul's bound,
     * 1e-6 (√K + 2) Σ|terms|, about 20x the typical error of a K-term float sum.
     */
    private void assertSumsOnBoth(String what, int k, Function<Backend, Tensor> op, Function<Backend, Tensor> opOfAbs) {
        float[] want = cpu.download(op.apply(cpu)), mag = cpu.download(opOfAbs.apply(cpu));
        Tensor g = op.apply(cl);
        float[] got = cl.download(g);
        assertEquals(want.length, got.length, what + ": size");
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-6 * (Math.sqrt(k) + 2) * mag[i] + 1e-6, what + ": element " + i);
    }

    private static float[] abs(float[] x) {
        float[] a = new float[x.length];
        for (int i = 0; i < x.length; i++) a[i] = Math.abs(x[i]);
        return a;
    }

    /** Gaussian values with the edge cases appended: zeros, NaN, overflowing and underflowing exponents. */
    private static float[] withEdges(Random rnd, int n, float scale) {
        float[] x = random(rnd, n, scale);
        float[] edges = {0f, -0f, Float.NaN, 90f, -90f, 200f, -200f, 1e-30f, -1e-30f, 30f, -30f};
        for (int i = 0; i < Math.min(n, edges.length); i++) x[n - 1 - i] = edges[i];
        return x;
    }

    // ---- activations -------------------------------------------------------------------

    @ParameterizedTest @CsvSource({"1", "7", "33", "1031", "9001"})
    void activationsMatchTheCpu(int n) {
        float[] x = withEdges(new Random(n), n, 3);
        int[] shape = n == 1031 ? new int[] {1031} : new int[] {1, n};
        // 0.5x (1 + erf): erf within 16 ulp of a value below 1 is 1e-6 absolute, times 0.5|x| <= 100 here
        assertSameOnBoth("gelu", 1e-6, 4e-6, b -> b.gelu(b.upload(x, shape)));
        // x / (1 + exp(..)): exp within 3 ulp, the division 2.5, both backends: about 8 ulp of the result
        assertSameOnBoth("geluTanh", 1e-37, 1e-6, b -> b.geluTanh(b.upload(x, shape)));
        assertSameOnBoth("quickGelu", 1e-37, 1e-6, b -> b.quickGelu(b.upload(x, shape)));
        assertSameOnBoth("silu", 1e-37, 1e-6, b -> b.silu(b.upload(x, shape)));
        assertSameOnBoth("exp", 1e-37, 1e-6, b -> b.exp(b.upload(x, shape)));
        float[] up = random(new Random(n + 1), n, 2);
        assertSameOnBoth("swiglu", 1e-37, 1e-6, b -> b.swiglu(b.upload(x, shape), b.upload(up, shape)));
        // comparisons only: exact, NaN kept
        assertSameOnBoth("clamp", 0, 0, b -> b.clamp(b.upload(x, shape), -2.5f, 4f));
    }

    @Test void activationsReadSixteenBitInputs() {
        var w = vector(DType.BF16, new Random(3), 33, 2);
        assertSameOnBoth("silu of a BF16 weight", 1e-37, 1e-6, b -> b.silu(b.weight(w.view())));
        assertSameOnBoth("clamp of a BF16 weight", 0, 0, b -> b.clamp(b.weight(w.view()), -1, 1));
    }

    @Test void swigluAndClampRejectMisfits() {
        Tensor a = cl.upload(new float[6], 2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> cl.swiglu(a, cl.upload(new float[6], 3, 2)));
        assertEquals("swiglu: gate [2, 3] and up [3, 2] differ", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cl.clamp(a, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> cpu.clamp(cpu.upload(new float[6], 2, 3), 1, -1));
    }

    // ---- norms -------------------------------------------------------------------------

    // Statistics in float with a tree (OpenCL) against double (CPU): a mean or variance of d terms
    // differs by a few float ulps (the rounding of the partial sums, log2 of the group size deep), so
    // an output of magnitude |y| by a few ulp of |y| and of the affine terms: 2e-6 relative, 1e-6 absolute.
    private static final double NORM_ABS = 1e-6, NORM_REL = 2e-6;

    @ParameterizedTest @CsvSource({"1, 1, F32", "3, 7, F16", "5, 33, BF16", "2, 1031, F32", "3, 4097, F16", "7, 1000, F16"})
    void layerNormMatchesTheCpu(int rows, int d, String dtype) {
        Random rnd = new Random(rows * 31 + d);
        float[] x = random(rnd, rows * d, 2);
        for (int i = d; i < Math.min(2 * d, x.length); i++) x[i] += 1000;   // row 1 far from 0: the mean's rounding must not show
        var w = vector(DType.valueOf(dtype), rnd, d, 1);
        var bias = vector(DType.valueOf(dtype), rnd, d, 1);
        assertSameOnBoth("layerNorm", NORM_ABS, NORM_REL, b -> b.layerNorm(b.upload(x, rows, d), b.weight(w.view()), b.weight(bias.view()), 1e-5f));
        assertSameOnBoth("layerNorm without affine", NORM_ABS, NORM_REL, b -> b.layerNorm(b.upload(x, rows, d), null, null, 1e-6f));
        assertSameOnBoth("layerNorm of [1, rows, d]", NORM_ABS, NORM_REL, b -> b.layerNorm(b.upload(x, 1, rows, d), b.weight(w.view()), null, 1e-5f));
    }

    @ParameterizedTest @CsvSource({"1, 1, F32", "3, 7, F16", "5, 33, BF16", "2, 1031, F32", "3, 4097, F16"})
    void rmsNormMatchesTheCpu(int rows, int d, String dtype) {
        Random rnd = new Random(rows * 17 + d);
        float[] x = random(rnd, rows * d, 3);
        var w = vector(DType.valueOf(dtype), rnd, d, 1);
        assertSameOnBoth("rmsNorm", NORM_ABS, NORM_REL, b -> b.rmsNorm(b.upload(x, rows, d), b.weight(w.view()), 1e-6f));
        assertSameOnBoth("rmsNorm without weight", NORM_ABS, NORM_REL, b -> b.rmsNorm(b.upload(x, rows, d), null, 1e-5f));
    }

    @ParameterizedTest @CsvSource({"1, 1, 1, 1, F32", "6, 7, 5, 3, F16", "6, 1, 1, 6, BF16", "64, 33, 31, 32, F16", "4, 64, 65, 1, F32"})
    void groupNormMatchesTheCpu(int c, int h, int w, int groups, String dtype) {
        Random rnd = new Random(c * 7 + h * 3 + w);
        float[] x = random(rnd, c * h * w, 2);
        for (int i = 0; i < h * w; i++) x[i] -= 500;   // channel 0 far from 0
        var weight = vector(DType.valueOf(dtype), rnd, c, 1);
        var bias = vector(DType.valueOf(dtype), rnd, c, 1);
        assertSameOnBoth("groupNorm", NORM_ABS, NORM_REL,
                b -> b.groupNorm(b.upload(x, c, h, w), groups, b.weight(weight.view()), b.weight(bias.view()), 1e-6f));
        assertSameOnBoth("groupNorm without affine", NORM_ABS, NORM_REL, b -> b.groupNorm(b.upload(x, c, h, w), groups, null, null, 1e-5f));
    }

    @Test void normsRejectMisfits() {
        Tensor x = cl.upload(new float[7 * 3], 7, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> cl.groupNorm(cl.reshape(x, 7, 3, 1), 3, null, null, 1e-5f));
        assertEquals("group norm: 7 channels do not split into 3 groups", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cl.layerNorm(x, cl.upload(new float[7], 7), null, 1e-5f));
        assertEquals("layer norm weight F32 [7] should have 3 elements", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cl.rmsNorm(x, cl.upload(new float[2], 2), 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> cl.groupNorm(cl.zeros(4, 0, 3), 2, null, null, 1e-5f));
    }

    // ---- rope, pad, upsampling ----------------------------------------------------------

    // The angle is the same float product on both; cos and sin are within 4 ulp (OpenCL) of the
    // correctly rounded ones (CPU), so an output moves by about 1e-6 of |x1| + |x2|.
    @ParameterizedTest @CsvSource({"1, 1, 2, 0, 10000", "7, 3, 8, 5, 10000", "33, 2, 64, 1000, 10000", "5, 4, 128, 4090, 1000000"})
    void ropeMatchesTheCpu(int tokens, int heads, int d, int pos0, float theta) {
        float[] x = random(new Random(tokens * 13 + d), tokens * heads * d, 1);
        assertSameOnBoth("rope", 4e-6, 1e-6, b -> b.rope(b.upload(x, tokens, heads * d), heads, pos0, theta));
        assertSameOnBoth("rope of [1, T, W]", 4e-6, 1e-6, b -> b.rope(b.upload(x, 1, tokens, heads * d), heads, pos0, theta));
    }

    @Test void ropeRejectsOddHeads() {
        assertThrows(IllegalArgumentException.class, () -> cl.rope(cl.upload(new float[6], 1, 6), 2, 0, 1e4f));
        assertThrows(IllegalArgumentException.class, () -> cl.rope(cl.upload(new float[8], 1, 8), 3, 0, 1e4f));
        assertThrows(IllegalArgumentException.class, () -> cl.rope(cl.upload(new float[8], 1, 8), 2, -1, 1e4f));
    }

    @ParameterizedTest @CsvSource({"1, 1, 1, 0, 0, 0, 0", "3, 7, 5, 1, 2, 0, 3", "2, 4, 33, 0, 1, 0, 1", "1, 1, 1, 3, 0, 0, 2"})
    void padMatchesTheCpu(int c, int h, int w, int top, int bottom, int left, int right) {
        float[] x = random(new Random(c + h + w), c * h * w, 1);
        assertSameOnBoth("pad", 0, 0, b -> b.pad(b.upload(x, c, h, w), top, bottom, left, right));
    }

    @ParameterizedTest @CsvSource({"3, 7, 5, 14, 10", "2, 5, 3, 7, 11", "1, 1, 1, 3, 2", "1, 9, 9, 4, 4", "4, 33, 17, 33, 17"})
    void upsampleNearestMatchesTheCpu(int c, int h, int w, int oh, int ow) {
        float[] x = random(new Random(c * h * w), c * h * w, 1);
        assertSameOnBoth("upsampleNearest", 0, 0, b -> b.upsampleNearest(b.upload(x, c, h, w), oh, ow));
    }

    // the same float operations in the same order as the CPU's (Resample's taps and sums): equal
    @ParameterizedTest(name = "{0}x{1}x{2} to {3}x{4} align={5}")
    @CsvSource({"3, 7, 5, 14, 10, false", "2, 5, 3, 7, 11, true", "1, 1, 1, 3, 2, false", "1, 9, 9, 4, 4, false",
            "4, 33, 17, 33, 40, false", "2, 8, 8, 8, 8, true", "1, 64, 64, 256, 256, false", "3, 10, 6, 1, 1, true"})
    void bilinearAndBicubicMatchTheCpu(int c, int h, int w, int oh, int ow, boolean align) {
        float[] x = random(new Random(c * h + w), c * h * w, 1);
        assertSameOnBoth("upsampleBilinear", 0, 0, b -> b.upsampleBilinear(b.upload(x, c, h, w), oh, ow, align));
        assertSameOnBoth("resizeBicubic", 0, 0, b -> b.resizeBicubic(b.upload(x, c, h, w), oh, ow, align));
    }

    @Test void padAndUpsampleRejectMisfits() {
        Tensor flat = cl.upload(new float[4], 2, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> cl.pad(flat, 0, 1, 0, 1));
        assertEquals("pad: input F32 [2, 2] is not [C, H, W]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cl.pad(cl.reshape(flat, 1, 2, 2), -1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> cl.upsampleNearest(flat, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> cl.upsampleNearest(cl.reshape(flat, 1, 2, 2), 0, 4));
        assertThrows(IllegalArgumentException.class, () -> cl.upsampleBilinear(flat, 4, 4, false));
        assertThrows(IllegalArgumentException.class, () -> cl.resizeBicubic(cl.reshape(flat, 1, 2, 2), 4, -1, false));
    }

    // ---- convolutions ------------------------------------------------------------------

    @ParameterizedTest(name = "c={0} {1}x{2} o={3} k={4}x{5} stride={6} pad={7} {8} bias={9}")
    @CsvSource({"1, 1, 1, 1, 1, 1, 1, 0, F32, false", "3, 7, 5, 4, 3, 3, 1, 1, F16, true", "4, 9, 9, 5, 3, 3, 2, 1, BF16, true",
            "8, 16, 16, 3, 1, 1, 1, 0, F32, true", "2, 11, 7, 33, 4, 2, 2, 0, F16, false", "33, 8, 8, 7, 3, 3, 1, 1, F32, true"})
    void conv2dMatchesTheCpu(int c, int h, int w, int o, int kh, int kw, int stride, int padding, String dtype, boolean withBias) {
        Random rnd = new Random(c * 31 + h * 7 + o);
        float[] x = random(rnd, c * h * w, 1);
        var weight = BackendContractTest.weights(DType.valueOf(dtype), rnd, o, c * kh * kw, 1);
        var bias = vector(DType.valueOf(dtype), rnd, o, 1);
        float[] wAbs = abs(weight.values()), bAbs = abs(bias.values());
        assertSumsOnBoth("conv2d", c * kh * kw,
                b -> b.conv2d(b.upload(x, c, h, w), b.reshape(b.weight(weight.view()), o, c, kh, kw), withBias ? b.weight(bias.view()) : null,
                        stride, padding),
                b -> b.conv2d(b.upload(abs(x), c, h, w), b.upload(wAbs, o, c, kh, kw), withBias ? b.upload(bAbs, o) : null, stride, padding));
    }

    @ParameterizedTest @CsvSource({"1, 1, 1, 1, F32, false", "3, 5, 7, 4, F16, true", "16, 8, 9, 8, BF16, true"})
    void convTranspose2x2MatchesTheCpu(int c, int h, int w, int o, String dtype, boolean withBias) {
        Random rnd = new Random(c * 13 + h + o);
        float[] x = random(rnd, c * h * w, 1);
        var weight = BackendContractTest.weights(DType.valueOf(dtype), rnd, c, o * 4, 1);
        var bias = vector(DType.valueOf(dtype), rnd, o, 1);
        float[] wAbs = abs(weight.values()), bAbs = abs(bias.values());
        assertSumsOnBoth("convTranspose2x2", c,
                b -> b.convTranspose2x2(b.upload(x, c, h, w), b.reshape(b.weight(weight.view()), c, o, 2, 2), withBias ? b.weight(bias.view()) : null),
                b -> b.convTranspose2x2(b.upload(abs(x), c, h, w), b.upload(wAbs, c, o, 2, 2), withBias ? b.upload(bAbs, o) : null));
    }

    @Test void convolutionsRejectMisfits() {
        Tensor x = cl.upload(new float[3 * 4 * 4], 3, 4, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> cl.conv2d(x, cl.upload(new float[2 * 2 * 9], 2, 2, 3, 3), null, 1, 1));
        assertEquals("conv2d: input F32 [3, 4, 4] does not fit weight F32 [2, 2, 3, 3] [O, C, kh, kw]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cl.conv2d(x, cl.upload(new float[2 * 3 * 25], 2, 3, 5, 5), null, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> cl.conv2d(x, cl.upload(new float[2 * 3 * 9], 2, 3, 3, 3), cl.upload(new float[3], 3), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> cl.convTranspose2x2(x, cl.upload(new float[3 * 2 * 9], 3, 2, 3, 3), null));
    }

    // ---- attention ---------------------------------------------------------------------

    // Scores are dot products of d terms, then exp and sums of Tk terms: probabilities and outputs
    // (convex combinations of unit-scale values) agree to a few float ulps of 1 times log Tk.
    @ParameterizedTest(name = "tq={0} tk={1} cache={2} heads={3}/{4} d={5} causal={6} probs={7}")
    @CsvSource({"1, 1, 1, 1, 1, 1, false, true", "7, 7, 7, 4, 2, 8, true, true", "1, 33, 40, 4, 1, 16, true, true",
            "33, 33, 33, 3, 3, 5, false, true", "5, 257, 300, 2, 2, 64, false, false", "40, 7, 7, 2, 2, 32, false, false",
            "3, 1031, 1031, 8, 2, 4, true, true"})
    void attentionMatchesTheCpu(int tq, int tk, int cache, int heads, int kvHeads, int d, boolean causal, boolean withProbs) {
        Random rnd = new Random(tq * 31 + tk * 7 + d);
        float[] q = random(rnd, tq * heads * d, 1), k = random(rnd, cache * kvHeads * d, 1), v = random(rnd, cache * kvHeads * d, 1);
        float scale = (float) (1 / Math.sqrt(d));
        float[] cpuProbs = withProbs ? new float[heads * tq * tk] : null, clProbs = withProbs ? new float[heads * tq * tk] : null;
        assertSameOnBoth("attention", 4e-6, 1e-5, b -> b.attention(b.upload(q, tq, heads * d), b.upload(k, cache, kvHeads * d),
                b.upload(v, cache, kvHeads * d), tk, heads, kvHeads, scale, causal, b == cpu ? cpuProbs : clProbs));
        if (withProbs)
            for (int i = 0; i < cpuProbs.length; i++) {
                if (cpuProbs[i] == 0) assertEquals(0f, clProbs[i], "masked probability " + i);
                else assertEquals(cpuProbs[i], clProbs[i], 4e-6 + 1e-5 * cpuProbs[i], "probability " + i);
            }
    }

    @Test void attentionRejectsMisfits() {
        Tensor q = cl.upload(new float[3 * 8], 3, 8), k = cl.upload(new float[2 * 8], 2, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> cl.attention(q, k, k, 2, 2, 2, 1, true, null));
        assertEquals("attention: causal with 3 queries but only 2 keys", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cl.attention(q, k, k, 3, 2, 2, 1, false, null));
        assertThrows(IllegalArgumentException.class, () -> cl.attention(q, k, k, 2, 3, 1, 1, false, null));
        assertThrows(IllegalArgumentException.class, () -> cl.attention(q, k, k, 2, 2, 2, 1, false, new float[11]));
    }
}
