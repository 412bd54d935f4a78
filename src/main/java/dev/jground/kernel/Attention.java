package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Scaled dot-product attention, as HF's eager attention computes it: softmax(q·kᵀ · scale
 * [+ causal mask]) · v, one query row and head at a time. Masked keys are skipped rather than
 * set to -inf, so their probabilities are exactly 0. Work is split over (head, query row)
 * pairs, head-major, so a thread's consecutive rows reuse the same keys and values in cache.
 */
public final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * q [tq, heads·headDim], k and v [tk, kvHeads·headDim], out [tq, heads·headDim]. Query head
     * h reads kv head h / (heads / kvHeads). Causal: query i sees keys j ≤ tk - tq + i (the
     * queries are the last tq positions). probs, when not null, gets [heads, tq, tk].
     */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int tq, int tk, int heads, int kvHeads,
                                 int headDim, float scale, boolean causal, float[] probs, Parallel par) {
        check(q, k, v, out, tq, tk, heads, kvHeads, headDim, causal, probs);
        int group = heads / kvHeads, qStride = heads * headDim, kvStride = kvHeads * headDim;
        par.forRange(heads * tq, (start, end) -> {
            float[] scores = new float[tk];
            for (int w = start; w < end; w++) {
                int h = w / tq, i = w % tq;
                int qOff = i * qStride + h * headDim, kvOff = (h / group) * headDim;
                int keys = causal ? tk - tq + i + 1 : tk;
                scores(q, qOff, k, kvOff, kvStride, headDim, keys, scale, scores);
                Softmax.row(scores, 0, keys);
                weightedSum(scores, keys, v, kvOff, kvStride, headDim, out, qOff);
                if (probs != null) {
                    int pOff = (h * tq + i) * tk;
                    System.arraycopy(scores, 0, probs, pOff, keys);
                    Arrays.fill(probs, pOff + keys, pOff + tk, 0f);
                }
            }
        });
    }

    /** scores[j] = q·k_j · scale for j < keys; four keys per pass so each q load feeds four FMAs. */
    private static void scores(float[] q, int qOff, float[] k, int kOff, int kStride, int d, int keys, float scale, float[] scores) {
        int dEnd = S.loopBound(d);
        VectorMask<Float> tail = S.indexInRange(dEnd, d);
        boolean hasTail = dEnd < d;
        int j = 0;
        for (; j + 4 <= keys; j += 4) {
            int k0 = kOff + j * kStride, k1 = k0 + kStride, k2 = k1 + kStride, k3 = k2 + kStride;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < dEnd; c += S.length()) {
                FloatVector qv = FloatVector.fromArray(S, q, qOff + c);
                a0 = FloatVector.fromArray(S, k, k0 + c).fma(qv, a0);
                a1 = FloatVector.fromArray(S, k, k1 + c).fma(qv, a1);
                a2 = FloatVector.fromArray(S, k, k2 + c).fma(qv, a2);
                a3 = FloatVector.fromArray(S, k, k3 + c).fma(qv, a3);
            }
            if (hasTail) {
                FloatVector qv = FloatVector.fromArray(S, q, qOff + dEnd, tail);
                a0 = FloatVector.fromArray(S, k, k0 + dEnd, tail).fma(qv, a0);
                a1 = FloatVector.fromArray(S, k, k1 + dEnd, tail).fma(qv, a1);
                a2 = FloatVector.fromArray(S, k, k2 + dEnd, tail).fma(qv, a2);
                a3 = FloatVector.fromArray(S, k, k3 + dEnd, tail).fma(qv, a3);
            }
            scores[j] = a0.reduceLanes(VectorOperators.ADD) * scale;
            scores[j + 1] = a1.reduceLanes(VectorOperators.ADD) * scale;
            scores[j + 2] = a2.reduceLanes(VectorOperators.ADD) * scale;
            scores[j + 3] = a3.reduceLanes(VectorOperators.ADD) * scale;
        }
        for (; j < keys; j++) {
            int k0 = kOff + j * kStride;
            FloatVector a0 = FloatVector.zero(S);
            for (int c = 0; c < dEnd; c += S.length())
                a0 = FloatVector.fromArray(S, k, k0 + c).fma(FloatVector.fromArray(S, q, qOff + c), a0);
            if (hasTail)
                a0 = FloatVector.fromArray(S, k, k0 + dEnd, tail).fma(FloatVector.fromArray(S, q, qOff + dEnd, tail), a0);
            scores[j] = a0.reduceLanes(VectorOperators.ADD) * scale;
        }
    }

    /** out[oOff, oOff + d) = Σ_j p_j · v_j over j < keys, four value rows per pass over the output row. */
    private static void weightedSum(float[] p, int keys, float[] v, int vOff, int vStride, int d, float[] out, int oOff) {
        int dEnd = S.loopBound(d);
        VectorMask<Float> tail = S.indexInRange(dEnd, d);
        Arrays.fill(out, oOff, oOff + d, 0f);
        int j = 0;
        for (; j + 4 <= keys; j += 4) {
            int v0 = vOff + j * vStride, v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride;
            FloatVector p0 = FloatVector.broadcast(S, p[j]), p1 = FloatVector.broadcast(S, p[j + 1]),
                    p2 = FloatVector.broadcast(S, p[j + 2]), p3 = FloatVector.broadcast(S, p[j + 3]);
            int c = 0;
            for (; c < dEnd; c += S.length()) {
                FloatVector acc = FloatVector.fromArray(S, out, oOff + c);
                acc = FloatVector.fromArray(S, v, v0 + c).fma(p0, acc);
                acc = FloatVector.fromArray(S, v, v1 + c).fma(p1, acc);
                acc = FloatVector.fromArray(S, v, v2 + c).fma(p2, acc);
                acc = FloatVector.fromArray(S, v, v3 + c).fma(p3, acc);
                acc.intoArray(out, oOff + c);
            }
            if (c < d) {
                FloatVector acc = FloatVector.fromArray(S, out, oOff + c, tail);
                acc = FloatVector.fromArray(S, v, v0 + c, tail).fma(p0, acc);
                acc = FloatVector.fromArray(S, v, v1 + c, tail).fma(p1, acc);
                acc = FloatVector.fromArray(S, v, v2 + c, tail).fma(p2, acc);
                acc = FloatVector.fromArray(S, v, v3 + c, tail).fma(p3, acc);
                acc.intoArray(out, oOff + c, tail);
            }
        }
        for (; j < keys; j++) {
            int v0 = vOff + j * vStride;
            FloatVector p0 = FloatVector.broadcast(S, p[j]);
            int c = 0;
            for (; c < dEnd; c += S.length())
                FloatVector.fromArray(S, v, v0 + c).fma(p0, FloatVector.fromArray(S, out, oOff + c)).intoArray(out, oOff + c);
            if (c < d)
                FloatVector.fromArray(S, v, v0 + c, tail).fma(p0, FloatVector.fromArray(S, out, oOff + c, tail)).intoArray(out, oOff + c, tail);
        }
    }

    private static void check(float[] q, float[] k, float[] v, float[] out, int tq, int tk, int heads, int kvHeads,
                              int headDim, boolean causal, float[] probs) {
        if (tq < 1 || tk < 1 || heads < 1 || kvHeads < 1 || headDim < 1)
            throw new IllegalArgumentException("attention: sizes must be positive, got tq=" + tq + " tk=" + tk
                    + " heads=" + heads + " kvHeads=" + kvHeads + " headDim=" + headDim);
        if (heads % kvHeads != 0)
            throw new IllegalArgumentException("attention: " + heads + " query heads do not share " + kvHeads + " kv heads evenly");
        if (causal && tk < tq)
            throw new IllegalArgumentException("attention: causal with " + tq + " queries but only " + tk + " keys");
        need("q", q, (long) tq * heads * headDim);
        need("k", k, (long) tk * kvHeads * headDim);
        need("v", v, (long) tk * kvHeads * headDim);
        need("out", out, (long) tq * heads * headDim);
        if (probs != null) need("probs", probs, (long) heads * tq * tk);
    }

    private static void need(String name, float[] a, long n) {
        if (a.length < n) throw new IllegalArgumentException("attention: " + name + " has " + a.length + " elements, need " + n);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("attention: " + name + " would need " + n + " elements");
    }
}
