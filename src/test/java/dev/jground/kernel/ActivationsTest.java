package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class ActivationsTest {

    /** erf in double: 2/√π · e^{-x²} · Σ (2x²)ⁿ x / (1·3···(2n+1)), all terms positive, ~1e-15 relative. */
    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        if (a > 6) return Math.signum(x);
        double term = a, sum = a;
        for (int n = 0; term > 1e-17 * sum; n++) {
            term *= 2 * a * a / (2 * n + 3);
            sum += term;
        }
        return Math.copySign(2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum, x);
    }

    static double gelu(double x) { return 0.5 * x * (1 + erf(x / Math.sqrt(2))); }

    static double geluTanh(double x) { return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))); }

    static double silu(double x) { return x / (1 + Math.exp(-x)); }

    static double quickGelu(double x) { return x / (1 + Math.exp(-1.702 * x)); }

    @Test
    void twinErfIsRight() {
        assertEquals(0.8427007929497149, erf(1), 1e-15);           // A&S table 7.1
        assertEquals(-0.9953222650189527, erf(-2), 1e-15);
        assertEquals(0.1124629160182849, erf(0.1), 1e-15);
    }

    @Test
    void erfWithin1e7OfDoubleOverDenseRange() {
        // dense grid over [-6, 6] (past ~3.92 erf rounds to ±1 in float) through both pieces and the seam at 1
        int n = 240_001;
        float[] x = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) x[i] = -6f + 12f * i / (n - 1);
        x[0] = 1f; x[1] = Math.nextDown(1f); x[2] = -1f; x[3] = Math.nextDown(-1f); x[4] = 4f; x[5] = 3.92f;
        double maxVector = 0, maxScalar = 0;
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        for (int i = 0; i < s.loopBound(n); i += s.length()) Erf.erf(FloatVector.fromArray(s, x, i)).intoArray(out, i);
        for (int i = 0; i < s.loopBound(n); i++) {
            maxVector = Math.max(maxVector, Math.abs(out[i] - erf(x[i])));
            maxScalar = Math.max(maxScalar, Math.abs(Erf.erf(x[i]) - erf(x[i])));
        }
        // tools/fit_erf.py: fit error ~1e-9; the float steps add about an ulp (6e-8 near 0.85); 4M points measure 6.3e-8
        assertTrue(maxVector <= 1e-7, "vector erf max error " + maxVector);
        assertTrue(maxScalar <= 1e-7, "scalar erf max error " + maxScalar);
    }

    @Test
    void erfSpecialValues() {
        assertEquals(0f, Erf.erf(0f));
        assertEquals(1f, Erf.erf(Float.POSITIVE_INFINITY));
        assertEquals(-1f, Erf.erf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, Erf.erf(100f));
        assertTrue(Float.isNaN(Erf.erf(Float.NaN)));
        assertEquals(Float.MIN_NORMAL * 1.1283791f, Erf.erf(Float.MIN_NORMAL), 1e-45f);
        assertEquals(-1e-20f * 1.1283791f, Erf.erf(-1e-20f), 1e-27f);
        float[] v = {0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -1e-20f, 1e30f, -0f};
        float[] out = new float[v.length];
        Activations.gelu(v, out, v.length, Parallel.SERIAL);
        assertEquals(0f, out[0]);
        assertEquals(Float.POSITIVE_INFINITY, out[1]);
        assertTrue(Float.isNaN(out[2]), "gelu(-inf) = -inf · 0 = NaN, as in PyTorch");
        assertTrue(Float.isNaN(out[3]));
        assertEquals(-0.5e-20f, out[4], 1e-27f);
        assertEquals(1e30f, out[5]);
    }

    private static final Parallel PAR = Parallel.of(3);

    /** Past two grains of elements the threads split the array: the largest size checks the seams. */
    private static final int[] SPLIT_SIZES = java.util.stream.IntStream.concat(java.util.Arrays.stream(SIZES),
            java.util.stream.IntStream.of(3 * Activations.GRAIN + 7)).toArray();

    private interface Kernel { void run(float[] x, float[] out, int n, Parallel par); }

    private interface Twin { double at(double x); }

    private static void checkAgainstTwin(String name, Kernel k, Twin twin, double abs, double rel) {
        Random r = new Random(name.hashCode());
        for (int n : SPLIT_SIZES) {
            float[] x = gaussian(r, n, 3, 0);
            x[0] = n > 1 ? -20f : 20f;
            double[] want = new double[n];
            for (int i = 0; i < n; i++) want[i] = twin.at(x[i]);
            float[] out = new float[n];
            k.run(x, out, n, Parallel.SERIAL);
            assertClose(name + " n=" + n, want, out, abs, rel);
            float[] split = new float[n];
            k.run(x, split, n, PAR);
            assertArrayEquals(out, split, name + " on three threads n=" + n);
            k.run(x, x, n, PAR);   // in place
            assertClose(name + " in place n=" + n, want, x, abs, rel);
        }
    }

    @Test void relu() { checkAgainstTwin("relu", Activations::relu, x -> x < 0 ? 0 : x, 0, 0); }

    @Test void reluKeepsNanAndZeroesNegatives() {
        float[] x = {Float.NaN, -0f, -1e-30f, Float.NEGATIVE_INFINITY, 2.5f}, out = new float[5];
        Activations.relu(x, out, 5, Parallel.SERIAL);
        assertTrue(Float.isNaN(out[0]));
        assertEquals(0f, Math.abs(out[1]));
        assertEquals(0f, out[2]);
        assertEquals(0f, out[3]);
        assertEquals(2.5f, out[4]);
    }

    // gelu: erf error 1e-7 times 0.5|x| (|x| <= ~20 here), plus an ulp or two of the result
    @Test void gelu() { checkAgainstTwin("gelu", Activations::gelu, ActivationsTest::gelu, 3e-7, 3e-7); }

    // tanh and exp are within an ulp or two (SVML); the inner polynomial adds a few float roundings
    @Test void geluTanh() { checkAgainstTwin("geluTanh", Activations::geluTanh, ActivationsTest::geluTanh, 1e-7, 1e-6); }

    @Test void silu() { checkAgainstTwin("silu", Activations::silu, ActivationsTest::silu, 1e-7, 1e-6); }

    // Exp is within 2 ulp of e^x; exp(-20) = 2e-9 is judged by its relative error too
    @Test void exp() { checkAgainstTwin("exp", Activations::exp, Math::exp, 1e-30, 3e-7); }

    @Test void quickGelu() { checkAgainstTwin("quickGelu", Activations::quickGelu, ActivationsTest::quickGelu, 1e-7, 1e-6); }

    @Test
    void swiglu() {
        Random r = new Random(5);
        for (int n : SPLIT_SIZES) {
            float[] gate = gaussian(r, n, 3, 0), up = gaussian(r, n, 2, 0), out = new float[n];
            double[] want = new double[n];
            for (int i = 0; i < n; i++) want[i] = silu(gate[i]) * up[i];
            Activations.swiglu(gate, up, out, n, PAR);
            assertClose("swiglu n=" + n, want, out, 1e-7, 1e-6);
            Activations.swiglu(gate, up, gate, n, PAR);
            assertClose("swiglu into gate n=" + n, want, gate, 1e-7, 1e-6);
        }
    }

    @Test
    void siluOfLargeNegativeIsZeroNotNaN() {
        float[] x = {-1000f, -80f, 1000f};
        Activations.silu(x, x, 3, Parallel.SERIAL);
        assertEquals(0f, x[0], 0f);   // -1000 / (1 + inf), as PyTorch's float formula gives
        assertEquals(-80 * Math.exp(-80), x[1], 1e-6 * 80 * Math.exp(-80));
        assertEquals(1000f, x[2]);
    }

    @Test
    void rejectsShortArrays() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.silu(new float[3], new float[2], 3, Parallel.SERIAL));
        assertTrue(e.getMessage().startsWith("silu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Activations.swiglu(new float[3], new float[2], new float[3], 3, Parallel.SERIAL));
    }
}
