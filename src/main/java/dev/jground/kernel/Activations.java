package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise activations with PyTorch's formulas, over x[0, n) into out[0, n) (out may be x),
 * shared out over {@code par}'s threads in chunks of {@link #GRAIN} elements. Each loop is
 * written out rather than shared through a lambda so that the JIT keeps the vectors in
 * registers; the tail is one masked iteration.
 */
public final class Activations {
    private Activations() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT1_2 = 0.70710677f;                // M_SQRT1_2
    private static final float TANH_BETA = 0.7978845608028654f;     // sqrt(2 / pi), PyTorch's kBeta
    private static final float TANH_KAPPA = 0.044715f;
    /** Elements a chunk (a multiple of every vector length): a few microseconds of work, more than handing it over costs. */
    static final int GRAIN = 16 * 1024;

    /** 0.5 x (1 + erf(x / √2)), PyTorch's exact GELU. */
    public static void gelu(float[] x, float[] out, int n, Parallel par) {
        check("gelu", x, out, n);
        par.forChunks(n, GRAIN, (from, to) -> geluRange(x, out, from, to));
    }

    private static void geluRange(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            gelu(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            gelu(FloatVector.fromArray(S, x, i, m)).intoArray(out, i, m);
        }
    }

    private static FloatVector gelu(FloatVector v) {
        return v.mul(0.5f).mul(Erf.erf(v.mul(SQRT1_2)).add(1f));
    }

    /** 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), PyTorch's approximate='tanh'. */
    public static void geluTanh(float[] x, float[] out, int n, Parallel par) {
        check("geluTanh", x, out, n);
        par.forChunks(n, GRAIN, (from, to) -> geluTanhRange(x, out, from, to));
    }

    private static void geluTanhRange(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            geluTanh(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            geluTanh(FloatVector.fromArray(S, x, i, m)).intoArray(out, i, m);
        }
    }

    private static FloatVector geluTanh(FloatVector v) {
        FloatVector cube = v.mul(v).mul(v);
        FloatVector inner = cube.mul(TANH_KAPPA).add(v).mul(TANH_BETA);
        // 0.5 (1 + tanh u) = sigmoid(2u): no cancellation where tanh nears -1, and our exp gives the
        // same bits in every JIT tier (lanewise TANH does not)
        return v.div(Exp.exp(inner.add(inner).neg()).add(1f));
    }

    /** x · sigmoid(1.702 x), CLIP's quick_gelu. */
    public static void quickGelu(float[] x, float[] out, int n, Parallel par) {
        check("quickGelu", x, out, n);
        par.forChunks(n, GRAIN, (from, to) -> quickGeluRange(x, out, from, to));
    }

    private static void quickGeluRange(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            quickGelu(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            quickGelu(FloatVector.fromArray(S, x, i, m)).intoArray(out, i, m);
        }
    }

    private static FloatVector quickGelu(FloatVector v) {
        return v.mul(sigmoid(v.mul(1.702f)));
    }

    /** x · sigmoid(x) = x / (1 + e^-x). */
    public static void silu(float[] x, float[] out, int n, Parallel par) {
        check("silu", x, out, n);
        par.forChunks(n, GRAIN, (from, to) -> siluRange(x, out, from, to));
    }

    private static void siluRange(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            silu(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            silu(FloatVector.fromArray(S, x, i, m)).intoArray(out, i, m);
        }
    }

    /** e^x ({@link Exp}, within 2 ulp), as torch.exp: the VAE's std = exp(logvar / 2). */
    public static void exp(float[] x, float[] out, int n, Parallel par) {
        check("exp", x, out, n);
        par.forChunks(n, GRAIN, (from, to) -> expRange(x, out, from, to));
    }

    private static void expRange(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            Exp.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            Exp.exp(FloatVector.fromArray(S, x, i, m)).intoArray(out, i, m);
        }
    }

    /** max(x, 0), as torch.relu (NaN stays NaN). */
    public static void relu(float[] x, float[] out, int n, Parallel par) {
        check("relu", x, out, n);
        par.forChunks(n, GRAIN, (from, to) -> reluRange(x, out, from, to));
    }

    private static void reluRange(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            relu(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            relu(FloatVector.fromArray(S, x, i, m)).intoArray(out, i, m);
        }
    }

    // NaN is not < 0, so it passes through as torch.relu lets it
    private static FloatVector relu(FloatVector v) {
        return v.blend(0f, v.compare(VectorOperators.LT, 0f));
    }

    /** silu(gate) · up, the LLaMA MLP product; out may be gate or up. */
    public static void swiglu(float[] gate, float[] up, float[] out, int n, Parallel par) {
        check("swiglu", gate, out, n);
        if (up.length < n) throw new IllegalArgumentException("swiglu: up has " + up.length + " elements, need " + n);
        par.forChunks(n, GRAIN, (from, to) -> swigluRange(gate, up, out, from, to));
    }

    private static void swigluRange(float[] gate, float[] up, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length())
            silu(FloatVector.fromArray(S, gate, i)).mul(FloatVector.fromArray(S, up, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            silu(FloatVector.fromArray(S, gate, i, m)).mul(FloatVector.fromArray(S, up, i, m)).intoArray(out, i, m);
        }
    }

    // torch's x / (1 + exp(-x)): for x -> -inf the denominator is inf and the result -0, never NaN
    private static FloatVector silu(FloatVector v) {
        return v.div(Exp.exp(v.neg()).add(1f));
    }

    private static FloatVector sigmoid(FloatVector v) {
        return FloatVector.broadcast(S, 1f).div(Exp.exp(v.neg()).add(1f));
    }

    private static void check(String op, float[] x, float[] out, int n) {
        if (n < 0 || x.length < n || out.length < n)
            throw new IllegalArgumentException(op + ": n = " + n + " but x has " + x.length + " and out " + out.length + " elements");
    }
}
