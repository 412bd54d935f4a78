package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One kv head's keys and values copied out of the interleaved [tk, kvHeads·d] layout, for
 * attention with many queries per head (prefill, encoders). In place, rows of one head lie
 * kvHeads·d floats apart (16 KB for 32 × 128): a power-of-two stride that maps every row to
 * the same few cache sets. Packed, keys are transposed to kᵀ [d, keys] so q·kᵀ is a sum of
 * broadcast(q[c]) · (a run of keys), with no horizontal reductions; values are [keys, dPad]
 * so p·v keeps a block of the output row in registers across all keys.
 */
final class PackedHead {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private final int d, dPad, ld;     // ld: row length of kᵀ, keys rounded up to the vector length
    private final float[] kt, vp, row;

    PackedHead(int tk, int d) {
        this.d = d;
        this.dPad = roundUp(d);
        this.ld = roundUp(tk);
        this.kt = new float[d * ld];
        this.vp = new float[tk * dPad];
        this.row = new float[dPad];
    }

    static int roundUp(int n) { return (n + L - 1) / L * L; }

    /** Copies keys and values [0, keys) of the head whose first element is at off. */
    void pack(float[] k, float[] v, int off, int stride, int keys) {
        Transpose.columns(k, off, stride, keys, d, kt, 0, ld);
        for (int j = 0; j < keys; j++) System.arraycopy(v, off + j * stride, vp, j * dPad, d);
    }

    /**
     * scores[j] = q·k_j · scale for j < keys (scores needs roundUp(keys) room; the entries
     * past keys are scratch and never read as probabilities).
     */
    void scores(float[] q, int qOff, int keys, float scale, float[] scores) {
        int end = roundUp(keys), j = 0;
        for (; j + 4 * L <= end; j += 4 * L) scores4(q, qOff, j, scale, scores);
        for (; j < end; j += L) scores1(q, qOff, j, scale, scores);
    }

    private void scores4(float[] q, int qOff, int j, float scale, float[] scores) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0, r = j; c < d; c++, r += ld) {
            FloatVector qc = FloatVector.broadcast(S, q[qOff + c]);
            a0 = FloatVector.fromArray(S, kt, r).fma(qc, a0);
            a1 = FloatVector.fromArray(S, kt, r + L).fma(qc, a1);
            a2 = FloatVector.fromArray(S, kt, r + 2 * L).fma(qc, a2);
            a3 = FloatVector.fromArray(S, kt, r + 3 * L).fma(qc, a3);
        }
        a0.mul(scale).intoArray(scores, j);
        a1.mul(scale).intoArray(scores, j + L);
        a2.mul(scale).intoArray(scores, j + 2 * L);
        a3.mul(scale).intoArray(scores, j + 3 * L);
    }

    private void scores1(float[] q, int qOff, int j, float scale, float[] scores) {
        FloatVector a = FloatVector.zero(S);
        for (int c = 0, r = j; c < d; c++, r += ld)
            a = FloatVector.fromArray(S, kt, r).fma(FloatVector.broadcast(S, q[qOff + c]), a);
        a.mul(scale).intoArray(scores, j);
    }

    /** out[oOff, oOff + d) = Σ_j p_j · v_j over j < keys. */
    void weightedSum(float[] p, int keys, float[] out, int oOff) {
        int c = 0;
        for (; c + 4 * L <= dPad; c += 4 * L) sum4(p, keys, c);
        for (; c < dPad; c += L) sum1(p, keys, c);
        System.arraycopy(row, 0, out, oOff, d);
    }

    private void sum4(float[] p, int keys, int c) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0, r = c; j < keys; j++, r += dPad) {
            FloatVector pj = FloatVector.broadcast(S, p[j]);
            a0 = FloatVector.fromArray(S, vp, r).fma(pj, a0);
            a1 = FloatVector.fromArray(S, vp, r + L).fma(pj, a1);
            a2 = FloatVector.fromArray(S, vp, r + 2 * L).fma(pj, a2);
            a3 = FloatVector.fromArray(S, vp, r + 3 * L).fma(pj, a3);
        }
        a0.intoArray(row, c);
        a1.intoArray(row, c + L);
        a2.intoArray(row, c + 2 * L);
        a3.intoArray(row, c + 3 * L);
    }

    private void sum1(float[] p, int keys, int c) {
        FloatVector a = FloatVector.zero(S);
        for (int j = 0, r = c; j < keys; j++, r += dPad)
            a = FloatVector.fromArray(S, vp, r).fma(FloatVector.broadcast(S, p[j]), a);
        a.intoArray(row, c);
    }
}
