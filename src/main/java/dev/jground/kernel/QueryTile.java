package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Attention for {@link Matmul#MR} queries at a time with the lanes along the queries, through
 * the GEMM's own micro-kernel, so that no score row needs a horizontal sum and no t × t score
 * matrix ever exists. One thread's working set: a head's keys [t, d] and values transposed
 * [d, t], copied once per head; a tile's queries transposed [d, MR] (times the scale, as the
 * official (q · scale) @ kᵀ, and as they are); and the strip sᵀ [keys, MR] of its scores,
 * which the softmax turns into probabilities in place, running down the strip with every lane
 * a query of its own (each summed in key order), before the strip is the packed left operand of
 * p·v. Each output depends only on its own query's arithmetic.
 */
final class QueryTile {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int MR = Matmul.MR, NR = Matmul.NR, L = S.length();

    final int d;
    private final int maxKeys;
    private int t;   // the keys of the head now loaded
    private final float[] keys, valuesT, acc;
    /** The tile's queries transposed [d, MR] as they are, and times the scale; lanes past the last query are 0. */
    final float[] q, qScaled;
    /** sᵀ [keys rounded up to NR, MR]: the scores, then the probabilities. */
    final float[] strip;

    QueryTile(int maxKeys, int d) {
        this.d = d;
        this.maxKeys = maxKeys;
        keys = new float[roundUp(maxKeys, NR) * d];
        valuesT = new float[roundUp(d, NR) * maxKeys];
        q = new float[d * MR];
        qScaled = new float[d * MR];
        strip = new float[roundUp(maxKeys, NR) * MR];
        acc = new float[NR * MR];
    }

    /** Loads keys [0, t) of one head: key j's d values at k[kAt[j] ..], its value's at v[vAt[j] ..]. */
    void loadHead(float[] k, int[] kAt, float[] v, int[] vAt, int t) {
        if (t < 1 || t > maxKeys) throw new IllegalArgumentException("attention tile: " + t + " keys, room for " + maxKeys);
        this.t = t;
        for (int j = 0; j < t; j++) System.arraycopy(k, kAt[j], keys, j * d, d);
        Transpose.columns(v, vAt, 0, t, d, valuesT, 0, t);
        Arrays.fill(keys, t * d, roundUp(t, NR) * d, 0f);   // a last key tile's padding scores 0, never read
    }

    /** Replaces key j of the loaded head and its value by src[kOff ..] and src[vOff ..] (a window's padding). */
    void setKey(int j, float[] src, int kOff, int vOff) {
        System.arraycopy(src, kOff, keys, j * d, d);
        for (int c = 0; c < d; c++) valuesT[c * t + j] = src[vOff + c];
    }

    /** Queries [0, lanes): query i's d values at src[at[from + i] ..]. */
    void loadQueries(float[] src, int[] at, int from, int lanes, float scale) {
        Transpose.columns(src, at, from, lanes, d, q, 0, MR);
        if (lanes < MR) for (int c = 0; c < d; c++) Arrays.fill(q, c * MR + lanes, (c + 1) * MR, 0f);
        for (int i = 0; i < d * MR; i += L) FloatVector.fromArray(S, q, i).mul(scale).intoArray(qScaled, i);
    }

    int keys() { return t; }

    /** strip[j] = (q·scale)·k_j for every key j of the head. */
    void scores() {
        int tPad = roundUp(t, NR);
        Arrays.fill(strip, 0, tPad * MR, 0f);
        for (int j0 = 0; j0 < tPad; j0 += NR) Matmul.kernel(qScaled, 0, keys, j0 * d, d, strip, j0 * MR);
    }

    /** Each lane (query) of strip[0, t): exp(s - max) times 1 / Σ, summed in key order. */
    void softmax() {
        for (int v = 0; v < MR; v += L) {
            FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < t; j++) max = max.max(FloatVector.fromArray(S, strip, j * MR + v));
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0; j < t; j++) {
                FloatVector e = Exp.exp(FloatVector.fromArray(S, strip, j * MR + v).sub(max));
                e.intoArray(strip, j * MR + v);
                sum = sum.add(e);
            }
            FloatVector inv = FloatVector.broadcast(S, 1f).div(sum);
            for (int j = 0; j < t; j++) FloatVector.fromArray(S, strip, j * MR + v).mul(inv).intoArray(strip, j * MR + v);
        }
    }

    /** out[at[from + l] + c] = Σ_j p_j(l) v_j[c] for the tile's queries l < lanes. */
    void weightedSum(float[] out, int[] at, int from, int lanes) {
        for (int c0 = 0; c0 < d; c0 += NR) {
            Arrays.fill(acc, 0f);
            // rows of valuesT past d are read only when d is not a multiple of NR; their sums are dropped
            Matmul.kernel(strip, 0, valuesT, c0 * t, t, acc, 0);
            for (int r = 0; r < Math.min(NR, d - c0); r++)
                for (int l = 0; l < lanes; l++) out[at[from + l] + c0 + r] = acc[r * MR + l];
        }
    }

    /** Offsets start, start + stride, ... of n rows. */
    static int[] rows(int n, int start, int stride) {
        int[] at = new int[n];
        for (int j = 0; j < n; j++) at[j] = start + j * stride;
        return at;
    }

    static int roundUp(int v, int to) { return (v + to - 1) / to * to; }
}
