package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * a + b, a · b, a · s and clamp over a [rows, d], with b either of a's shape or one row [d] broadcast
 * over every row (PyTorch's broadcasting of a trailing vector). One rounding per element, as
 * PyTorch's; out may be a or b. Shared out over {@code par}'s threads in chunks of about
 * {@link Activations#GRAIN} elements (whole rows when b is broadcast).
 */
public final class Elementwise {
    private Elementwise() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** out = a + b; b is [rows, d] or, when {@code row}, [d]. */
    public static void add(float[] a, float[] b, boolean row, float[] out, int rows, int d, Parallel par) {
        check("add", a, b, row, out, rows, d);
        if (row) par.forChunks(rows, grainRows(d), (r0, r1) -> { for (int r = r0; r < r1; r++) add(a, b, 0, out, r * d, d); });
        else par.forChunks(rows * d, Activations.GRAIN, (from, to) -> add(a, b, from, out, from, to - from));
    }

    /** out = a · b, broadcast as {@link #add}. */
    public static void mul(float[] a, float[] b, boolean row, float[] out, int rows, int d, Parallel par) {
        check("mul", a, b, row, out, rows, d);
        if (row) par.forChunks(rows, grainRows(d), (r0, r1) -> { for (int r = r0; r < r1; r++) mul(a, b, 0, out, r * d, d); });
        else par.forChunks(rows * d, Activations.GRAIN, (from, to) -> mul(a, b, from, out, from, to - from));
    }

    /** out[0, n) = a[0, n) · s. */
    public static void scale(float[] a, float s, float[] out, int n, Parallel par) {
        if (n < 0 || a.length < n || out.length < n)
            throw new IllegalArgumentException("scale: n = " + n + " but a has " + a.length + " and out " + out.length + " elements");
        par.forChunks(n, Activations.GRAIN, (from, to) -> {
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += S.length())
                FloatVector.fromArray(S, a, i).mul(s).intoArray(out, i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, a, i, m).mul(s).intoArray(out, i, m);
            }
        });
    }

    /** out[0, n) = min(max(a, lo), hi), torch.clamp: NaN stays NaN. */
    public static void clamp(float[] a, float lo, float hi, float[] out, int n, Parallel par) {
        if (n < 0 || a.length < n || out.length < n || !(lo <= hi))
            throw new IllegalArgumentException("clamp: n = " + n + " to [" + lo + ", " + hi + "] but a has " + a.length
                    + " and out " + out.length + " elements");
        par.forChunks(n, Activations.GRAIN, (from, to) -> {
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += S.length())
                FloatVector.fromArray(S, a, i).max(lo).min(hi).intoArray(out, i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, a, i, m).max(lo).min(hi).intoArray(out, i, m);
            }
        });
    }

    /** out[off, off + d) = a[off ..] + b[bOff ..]. */
    private static void add(float[] a, float[] b, int bOff, float[] out, int off, int d) {
        int i = 0;
        for (int end = S.loopBound(d); i < end; i += S.length())
            FloatVector.fromArray(S, a, off + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, off + i);
        if (i < d) {
            VectorMask<Float> m = S.indexInRange(i, d);
            FloatVector.fromArray(S, a, off + i, m).add(FloatVector.fromArray(S, b, bOff + i, m)).intoArray(out, off + i, m);
        }
    }

    private static void mul(float[] a, float[] b, int bOff, float[] out, int off, int d) {
        int i = 0;
        for (int end = S.loopBound(d); i < end; i += S.length())
            FloatVector.fromArray(S, a, off + i).mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, off + i);
        if (i < d) {
            VectorMask<Float> m = S.indexInRange(i, d);
            FloatVector.fromArray(S, a, off + i, m).mul(FloatVector.fromArray(S, b, bOff + i, m)).intoArray(out, off + i, m);
        }
    }

    private static int grainRows(int d) { return Math.max(1, Activations.GRAIN / Math.max(1, d)); }

    private static void check(String op, float[] a, float[] b, boolean row, float[] out, int rows, int d) {
        long n = (long) rows * d;
        if (rows < 0 || d < 1 || a.length < n || out.length < n || b.length < (row ? d : n))
            throw new IllegalArgumentException(op + ": [" + rows + ", " + d + "] with b " + (row ? "[" + d + "]" : "of the same shape")
                    + ", but a has " + a.length + ", b " + b.length + " and out " + out.length + " elements");
    }
}
