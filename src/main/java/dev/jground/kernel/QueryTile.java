package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Attention for {@link #MR} queries at a time with the lanes along the queries, through
 * the GEMM's own micro-kernel, so that no score row needs a horizontal sum and no t × t score
 * matrix ever exists. One thread's working set: a head's keys and values, packed as the kernel reads them,
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
    private static final int L = S.length();
    /** Queries per tile (three vectors of lanes: 48 with 512-bit vectors) and keys per step of {@link #kernel}. */
    static final int MR = 3 * L, NR = 8;
    /** Keys per block of p·v: a block of the strip is KB × MR floats (24 KiB). */
    static final int KB = 128;

    final int d;
    private final int maxKeys, dPad;
    private int t;   // the keys of the head now loaded
    /** keys and values packed for {@link #kernel}: see {@link #key}. */
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
        dPad = Matmul.roundUp(d, NR);
        keys = new float[Matmul.roundUp(maxKeys, NR) * d];
        values = new float[dPad * Matmul.roundUp(maxKeys, KB)];
        q = new float[d * MR];
        qScaled = new float[d * MR];
        strip = new float[Matmul.roundUp(maxKeys, NR) * MR];
        acc = new float[dPad * MR];
        max = new float[MR];
        inv = new float[MR];
    }

    /** Loads keys [0, t) of one head: key j's d values at k[kAt[j] ..], its value's at v[vAt[j] ..]. */
    void loadHead(float[] k, int[] kAt, float[] v, int[] vAt, int t) {
        if (t < 1 || t > maxKeys) throw new IllegalArgumentException("attention tile: " + t + " keys, room for " + maxKeys);
        this.t = t;
        for (int j = 0; j < t; j++) setKey(j, k, kAt[j], v, vAt[j]);
        for (int j = t; j < Matmul.roundUp(t, NR); j++)   // a last key panel's padding scores 0, never read
            for (int c = 0; c < d; c++) keys[key(j) + c * NR] = 0f;
    }

    /** Replaces key j of the loaded head and its value by src[kOff ..] and src[vOff ..] (a window's padding). */
    void setKey(int j, float[] src, int kOff, int vOff) {
        setKey(j, src, kOff, src, vOff);
    }

    private void setKey(int j, float[] k, int kOff, float[] v, int vOff) {
        for (int c = 0, o = key(j); c < d; c++) keys[o + c * NR] = k[kOff + c];
        int b = j / KB, len = Math.min(KB, t - b * KB), o = b * dPad * KB + j % KB * NR;
        for (int c0 = 0; c0 < d; c0 += NR)
            System.arraycopy(v, vOff + c0, values, o + c0 * len, Math.min(NR, d - c0));
    }

    /**
     * Keys are kept in panels of NR packed as {@link Matmul#packColumns} does, channel c of key j at
     * key(j) + c·NR; values per block of KB keys in panels of NR channels, channels c0 .. c0 + NR
     * of key j adjacent at b·dPad·KB + c0·len + (j mod KB)·NR.
     */
    private int key(int j) {
        return (j - j % NR) * d + j % NR;
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
            kernel(qScaled, 0, keys, j0 * d, d, strip, j0 * MR);
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
            // value channels past d (d not a multiple of NR) are read, and their sums dropped
            for (int c0 = 0; c0 < dPad; c0 += NR) kernel(strip, b * KB * MR, values, base + c0 * len, len, acc, c0 * MR);
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

    /**
     * acc[ao + c·MR + i] += Σ_kk xp[xo + kk·MR + i] · panel[po + kk·NR + c] for i < MR, c < NR:
     * {@link Matmul#kernel}'s micro-kernel in the shape of a query tile (3 × 8 vectors), the
     * queries (or scores) along the lanes, keys (or value channels) packed by {@link Matmul#packColumns}.
     */
    static void kernel(float[] xp, int xo, float[] panel, int po, int kc, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(S, acc, ao), c01 = FloatVector.fromArray(S, acc, ao + L),
                c02 = FloatVector.fromArray(S, acc, ao + 2 * L), c10 = FloatVector.fromArray(S, acc, ao + MR),
                c11 = FloatVector.fromArray(S, acc, ao + MR + L), c12 = FloatVector.fromArray(S, acc, ao + MR + 2 * L),
                c20 = FloatVector.fromArray(S, acc, ao + 2 * MR), c21 = FloatVector.fromArray(S, acc, ao + 2 * MR + L),
                c22 = FloatVector.fromArray(S, acc, ao + 2 * MR + 2 * L), c30 = FloatVector.fromArray(S, acc, ao + 3 * MR),
                c31 = FloatVector.fromArray(S, acc, ao + 3 * MR + L), c32 = FloatVector.fromArray(S, acc, ao + 3 * MR + 2 * L),
                c40 = FloatVector.fromArray(S, acc, ao + 4 * MR), c41 = FloatVector.fromArray(S, acc, ao + 4 * MR + L),
                c42 = FloatVector.fromArray(S, acc, ao + 4 * MR + 2 * L), c50 = FloatVector.fromArray(S, acc, ao + 5 * MR),
                c51 = FloatVector.fromArray(S, acc, ao + 5 * MR + L), c52 = FloatVector.fromArray(S, acc, ao + 5 * MR + 2 * L),
                c60 = FloatVector.fromArray(S, acc, ao + 6 * MR), c61 = FloatVector.fromArray(S, acc, ao + 6 * MR + L),
                c62 = FloatVector.fromArray(S, acc, ao + 6 * MR + 2 * L), c70 = FloatVector.fromArray(S, acc, ao + 7 * MR),
                c71 = FloatVector.fromArray(S, acc, ao + 7 * MR + L), c72 = FloatVector.fromArray(S, acc, ao + 7 * MR + 2 * L);
        for (int kk = 0; kk < kc; kk++) {
            // W's NR values of this step are adjacent, so all eight broadcasts address one pointer;
            // with W as NR separate rows C2 kept eight row pointers, hoisted the eight broadcasts
            // to the top of the loop and spilled accumulators to the stack (25% slower)
            int xi = xo + kk * MR, wi = po + kk * NR;
            FloatVector x0 = FloatVector.fromArray(S, xp, xi);
            FloatVector x1 = FloatVector.fromArray(S, xp, xi + L);
            FloatVector x2 = FloatVector.fromArray(S, xp, xi + 2 * L);
            FloatVector b = FloatVector.broadcast(S, panel[wi]);
            c00 = x0.fma(b, c00); c01 = x1.fma(b, c01); c02 = x2.fma(b, c02);
            b = FloatVector.broadcast(S, panel[wi + 1]);
            c10 = x0.fma(b, c10); c11 = x1.fma(b, c11); c12 = x2.fma(b, c12);
            b = FloatVector.broadcast(S, panel[wi + 2]);
            c20 = x0.fma(b, c20); c21 = x1.fma(b, c21); c22 = x2.fma(b, c22);
            b = FloatVector.broadcast(S, panel[wi + 3]);
            c30 = x0.fma(b, c30); c31 = x1.fma(b, c31); c32 = x2.fma(b, c32);
            b = FloatVector.broadcast(S, panel[wi + 4]);
            c40 = x0.fma(b, c40); c41 = x1.fma(b, c41); c42 = x2.fma(b, c42);
            b = FloatVector.broadcast(S, panel[wi + 5]);
            c50 = x0.fma(b, c50); c51 = x1.fma(b, c51); c52 = x2.fma(b, c52);
            b = FloatVector.broadcast(S, panel[wi + 6]);
            c60 = x0.fma(b, c60); c61 = x1.fma(b, c61); c62 = x2.fma(b, c62);
            b = FloatVector.broadcast(S, panel[wi + 7]);
            c70 = x0.fma(b, c70); c71 = x1.fma(b, c71); c72 = x2.fma(b, c72);
        }
        c00.intoArray(acc, ao); c01.intoArray(acc, ao + L); c02.intoArray(acc, ao + 2 * L);
        c10.intoArray(acc, ao + MR); c11.intoArray(acc, ao + MR + L); c12.intoArray(acc, ao + MR + 2 * L);
        c20.intoArray(acc, ao + 2 * MR); c21.intoArray(acc, ao + 2 * MR + L); c22.intoArray(acc, ao + 2 * MR + 2 * L);
        c30.intoArray(acc, ao + 3 * MR); c31.intoArray(acc, ao + 3 * MR + L); c32.intoArray(acc, ao + 3 * MR + 2 * L);
        c40.intoArray(acc, ao + 4 * MR); c41.intoArray(acc, ao + 4 * MR + L); c42.intoArray(acc, ao + 4 * MR + 2 * L);
        c50.intoArray(acc, ao + 5 * MR); c51.intoArray(acc, ao + 5 * MR + L); c52.intoArray(acc, ao + 5 * MR + 2 * L);
        c60.intoArray(acc, ao + 6 * MR); c61.intoArray(acc, ao + 6 * MR + L); c62.intoArray(acc, ao + 6 * MR + 2 * L);
        c70.intoArray(acc, ao + 7 * MR); c71.intoArray(acc, ao + 7 * MR + L); c72.intoArray(acc, ao + 7 * MR + 2 * L);
    }

}
