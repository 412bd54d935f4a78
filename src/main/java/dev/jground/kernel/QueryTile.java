package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Attention for {@link Matmul#MR} queries at a time with the lanes along the queries, through
 * the GEMM's own micro-kernel, so that no score row needs a horizontal sum and no t × t score
 * matrix ever exists. One thread's working set: a head's keys [t, d] and values transposed,
 * copied once per head; a tile's queries transposed [d, MR] (times the scale, as the official
 * (q · scale) @ kᵀ, and as they are); and the strip sᵀ [keys, MR] of the tile's scores.
 *
 * <p>Each lane is a query of its own, summed in key order. The scores are made 8 keys at a
 * time, and while those 8 rows are in L1 the position terms (if any) are added and the running
 * maximum taken; one pass then turns the strip into exp(s - max) and sums it; p·v runs over
 * blocks of {@link #KB} keys, so a block of the strip stays in L1 for all of the head's
 * channels, with the values stored block by block to match; the sums are divided by Σ at the
 * end. Each output depends only on its own query's arithmetic.
 */
final class QueryTile {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int MR = Matmul.MR, NR = Matmul.NR, L = S.length();
    /** Keys per block of p·v: a block of the strip is KB × MR floats (24 KiB). */
    static final int KB = 128;

    final int d;
    private final int maxKeys, dPad;
    private int t;   // the keys of the head now loaded
    /** keys [t rounded up to NR, d]; values per block b of KB keys: [dPad, len_b] at b·dPad·KB. */
    private final float[] keys, values, acc, max, inv;
    /** The tile's queries transposed [d, MR] as they are, and times the scale; lanes past the last query are 0. */
    final float[] q, qScaled;
    /** sᵀ [keys rounded up to NR, MR]: the scores, then exp(s - max). */
    final float[] strip;

    private static final ThreadLocal<QueryTile> LAST = new ThreadLocal<>();

    /**
     * This thread's tile for heads of at most maxKeys keys of size d: the last one made when it
     * fits (its buffers are written before they are read), so megabytes of buffers are not
     * allocated and zeroed anew for every call.
     */
    static QueryTile of(int maxKeys, int d) {
        QueryTile t = LAST.get();
        if (t == null || t.d != d || t.maxKeys < maxKeys) LAST.set(t = new QueryTile(maxKeys, d));
        return t;
    }

    private QueryTile(int maxKeys, int d) {
        this.d = d;
        this.maxKeys = maxKeys;
        dPad = roundUp(d, NR);
        keys = new float[roundUp(maxKeys, NR) * d];
        values = new float[dPad * roundUp(maxKeys, KB)];
        q = new float[d * MR];
        qScaled = new float[d * MR];
        strip = new float[roundUp(maxKeys, NR) * MR];
        acc = new float[dPad * MR];
        max = new float[MR];
        inv = new float[MR];
    }

    /** Loads keys [0, t) of one head: key j's d values at k[kAt[j] ..], its value's at v[vAt[j] ..]. */
    void loadHead(float[] k, int[] kAt, float[] v, int[] vAt, int t) {
        if (t < 1 || t > maxKeys) throw new IllegalArgumentException("attention tile: " + t + " keys, room for " + maxKeys);
        this.t = t;
        for (int j = 0; j < t; j++) System.arraycopy(k, kAt[j], keys, j * d, d);
        Arrays.fill(keys, t * d, roundUp(t, NR) * d, 0f);   // a last key tile's padding scores 0, never read
        for (int b = 0; b * KB < t; b++) {
            int len = Math.min(KB, t - b * KB);
            Transpose.columns(v, vAt, b * KB, len, d, values, b * dPad * KB, len);
        }
    }

    /** Replaces key j of the loaded head and its value by src[kOff ..] and src[vOff ..] (a window's padding). */
    void setKey(int j, float[] src, int kOff, int vOff) {
        System.arraycopy(src, kOff, keys, j * d, d);
        int b = j / KB, len = Math.min(KB, t - b * KB);
        for (int c = 0; c < d; c++) values[b * dPad * KB + c * len + j % KB] = src[vOff + c];
    }

    /** Queries [0, lanes): query i's d values at src[at[from + i] ..]. */
    void loadQueries(float[] src, int[] at, int from, int lanes, float scale) {
        Transpose.columns(src, at, from, lanes, d, q, 0, MR);
        if (lanes < MR) for (int c = 0; c < d; c++) Arrays.fill(q, c * MR + lanes, (c + 1) * MR, 0f);
        for (int i = 0; i < d * MR; i += L) FloatVector.fromArray(S, q, i).mul(scale).intoArray(qScaled, i);
    }

    /**
     * strip[j] = (q·scale)·k_j for every key j of the head, then (+ rowH[yj]) + colW[xj], PyTorch's
     * order of the two broadcast adds, when rowH [h, MR] and colW [w, MR] are given for keys at
     * (yj, xj) = (j / w, j % w) (null: none); and the running maximum of each lane.
     */
    void scores(float[] rowH, float[] colW, int w) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0;
        for (int j0 = 0; j0 < t; j0 += NR) {
            Arrays.fill(strip, j0 * MR, (j0 + NR) * MR, 0f);
            Matmul.kernel(qScaled, 0, keys, j0 * d, d, strip, j0 * MR);
            for (int j = j0, end = Math.min(t, j0 + NR); j < end; j++) {
                int o = j * MR;
                FloatVector s0 = FloatVector.fromArray(S, strip, o), s1 = FloatVector.fromArray(S, strip, o + L),
                        s2 = FloatVector.fromArray(S, strip, o + 2 * L);
                if (rowH != null) {
                    int yh = j / w * MR, xw = j % w * MR;
                    s0 = s0.add(FloatVector.fromArray(S, rowH, yh)).add(FloatVector.fromArray(S, colW, xw));
                    s1 = s1.add(FloatVector.fromArray(S, rowH, yh + L)).add(FloatVector.fromArray(S, colW, xw + L));
                    s2 = s2.add(FloatVector.fromArray(S, rowH, yh + 2 * L)).add(FloatVector.fromArray(S, colW, xw + 2 * L));
                    s0.intoArray(strip, o);
                    s1.intoArray(strip, o + L);
                    s2.intoArray(strip, o + 2 * L);
                }
                m0 = m0.max(s0);
                m1 = m1.max(s1);
                m2 = m2.max(s2);
            }
        }
        m0.intoArray(max, 0);
        m1.intoArray(max, L);
        m2.intoArray(max, 2 * L);
    }

    /** strip[0, t) = exp(s - max) per lane, and 1 / their sum (summed in key order) for {@link #weightedSum}. */
    void softmax() {
        // one vector of lanes at a time, so Exp.exp has one call site and is inlined: when it is
        // not, its vector type is unknown to C2 and every operation runs the Java fallback
        for (int v = 0; v < MR; v += L) {
            FloatVector m = FloatVector.fromArray(S, max, v), sum = FloatVector.zero(S);
            for (int o = v; o < t * MR; o += MR) {
                FloatVector e = Exp.exp(FloatVector.fromArray(S, strip, o).sub(m));
                e.intoArray(strip, o);
                sum = sum.add(e);
            }
            FloatVector.broadcast(S, 1f).div(sum).intoArray(inv, v);
        }
    }

    /** out[at[from + l] + c] = (Σ_j e_j(l) v_j[c]) / Σ_j e_j(l) for the tile's queries l < lanes. */
    void weightedSum(float[] out, int[] at, int from, int lanes) {
        Arrays.fill(acc, 0f);
        for (int b = 0; b * KB < t; b++) {
            int len = Math.min(KB, t - b * KB), base = b * dPad * KB;
            // value rows past d (d not a multiple of NR) are read, and their sums dropped
            for (int c0 = 0; c0 < dPad; c0 += NR) Matmul.kernel(strip, b * KB * MR, values, base + c0 * len, len, acc, c0 * MR);
        }
        for (int c = 0; c < d; c++)
            for (int l = 0; l < lanes; l++) out[at[from + l] + c] = acc[c * MR + l] * inv[l];
    }

    /** Offsets start, start + stride, ... of n rows. */
    static int[] rows(int n, int start, int stride) {
        int[] at = new int[n];
        for (int j = 0; j < n; j++) at[j] = start + j * stride;
        return at;
    }

    static int roundUp(int v, int to) { return (v + to - 1) / to * to; }
}
