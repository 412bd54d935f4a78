package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax in place, max-subtracted, as PyTorch's CPU kernel: exp(x - max), then times 1/sum.
 * Like PyTorch, a row whose entries are all -inf (or that holds NaN or +inf) comes out all NaN;
 * callers that mask must leave at least one finite entry per row (attention does).
 */
public final class Softmax {
    private Softmax() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Each of the {@code rows} rows of x [rows, cols]. */
    public static void rows(float[] x, int rows, int cols) {
        if (rows < 0 || cols < 1 || x.length < (long) rows * cols)
            throw new IllegalArgumentException("softmax: x has " + x.length + " elements, need [" + rows + ", " + cols + "]");
        for (int r = 0; r < rows; r++) row(x, r * cols, cols);
    }

    /** x[off, off + n). */
    public static void row(float[] x, int off, int n) {
        int end = off + n, vEnd = off + S.loopBound(n);
        VectorMask<Float> tail = S.indexInRange(vEnd - off, n);

        FloatVector maxV = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = off;
        for (; i < vEnd; i += S.length()) maxV = maxV.max(FloatVector.fromArray(S, x, i));
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < end; i++) max = Math.max(max, x[i]);

        FloatVector sumV = FloatVector.zero(S);
        for (i = off; i < vEnd; i += S.length()) {
            FloatVector e = Exp.exp(FloatVector.fromArray(S, x, i).sub(max));
            e.intoArray(x, i);
            sumV = sumV.add(e);
        }
        if (i < end) {
            FloatVector e = Exp.exp(FloatVector.fromArray(S, x, i, tail).sub(max));
            e.intoArray(x, i, tail);
            sumV = sumV.add(e, tail);
        }
        float inv = 1f / Lanes.sum(sumV);

        for (i = off; i < vEnd; i += S.length()) FloatVector.fromArray(S, x, i).mul(inv).intoArray(x, i);
        if (i < end) FloatVector.fromArray(S, x, i, tail).mul(inv).intoArray(x, i, tail);
    }
}
