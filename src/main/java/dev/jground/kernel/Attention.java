package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Scaled dot-product attention, as HF's eager attention computes it: softmax(q·kᵀ · scale
 * [+ causal mask]) · v; with many queries and no mask or probabilities to record, a tile of
 * queries at a time (see {@link #tiled}), else one query row and head at a time. Masked keys are
 * skipped rather than set to -inf, so their probabilities are exactly 0. Work is split over
 * (head, query row) pairs, head-major, so a thread's consecutive rows share one head's keys and
 * values: from two rows of a head on they are packed contiguously first, a single row (decode)
 * reads them in place.
 */
public final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * From this many queries of one head in a thread's share, its keys and values are packed
     * first (see PackedHead): a copy of a head's keys pays for itself by the second query (SAM's
     * 7 prompt tokens over 4096 image keys ran twice as fast packed as read in place).
     */
    static final int PACK_MIN_QUERIES = 2;
    /** From this many queries, attention without a mask or probabilities runs in query tiles, most of whose 48 lanes are then used. */
    static final int TILE_MIN_QUERIES = 16;

    /**
     * q [tq, heads·headDim], k and v [tk, kvHeads·headDim], out [tq, heads·headDim]. Query head
     * h reads kv head h / (heads / kvHeads). Causal: query i sees keys j ≤ tk - tq + i (the
     * queries are the last tq positions). probs, when not null, gets [heads, tq, tk]. out may be
     * q: each (query, head) slice of q is read before the same slice of out is written.
     */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int tq, int tk, int heads, int kvHeads,
                                 int headDim, float scale, boolean causal, float[] probs, Parallel par) {
        check(q, k, v, out, tq, tk, heads, kvHeads, headDim, causal, probs);
        if (!causal && probs == null && tq >= TILE_MIN_QUERIES) tiled(q, k, v, out, tq, tk, heads, kvHeads, headDim, scale, par);
        else run(q, k, v, out, tq, tk, heads, kvHeads, headDim, scale, causal, null, probs, par);
    }

    /**
     * Without a mask or probabilities to keep, queries go a {@link QueryTile} at a time (lanes
     * along the queries, the GEMM's micro-kernel for both products): SAM's mask decoder has 4096
     * queries over 7 keys, where one row at a time spends its time on horizontal sums and short
     * loops. Units are (head, tile), head-major, so a thread
     * loads a head's keys and values once for its run of tiles.
     */
    private static void tiled(float[] q, float[] k, float[] v, float[] out, int tq, int tk, int heads, int kvHeads,
                              int headDim, float scale, Parallel par) {
        int group = heads / kvHeads, qStride = heads * headDim, kvStride = kvHeads * headDim;
        int tiles = (tq + QueryTile.MR - 1) / QueryTile.MR, units = heads * tiles;
        par.forChunks(units, Math.max(1, units / (4 * par.threads())), (u0, u1) -> {
            QueryTile tile = QueryTile.of(tk, headDim);
            int loaded = -1, head = -1;
            int[] queries = null;   // where each query row of the head is, in q and in out
            for (int u = u0; u < u1; u++) {
                int h = u / tiles, i0 = u % tiles * QueryTile.MR, kv = h / group, lanes = Math.min(QueryTile.MR, tq - i0);
                if (kv != loaded) {
                    int[] keys = QueryTile.rows(tk, kv * headDim, kvStride);
                    tile.loadHead(k, keys, v, keys, tk);
                    loaded = kv;
                }
                if (h != head) {
                    queries = QueryTile.rows(tq, h * headDim, qStride);
                    head = h;
                }
                tile.loadQueries(q, queries, i0, lanes, scale);
                tile.scores(null, null, 1);
                tile.softmax();
                tile.weightedSum(out, queries, i0, lanes);
            }
        });
    }

    /**
     * SAM's attention with decomposed relative positions (HF SamVisionAttention.add_decomposed_rel_pos):
     * the keys form a keyH × keyW grid, and the score of query i for key (ky, kx) gets
     * relH[h, i, ky] + relW[h, i, kx] added after scaling, before the softmax. No causal mask,
     * one kv head per query head. relH [heads, tq, keyH] and relW [heads, tq, keyW] are the
     * model's einsums of the (unscaled) query with rel_pos_h / rel_pos_w.
     */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int tq, int tk, int heads, int headDim,
                                 float scale, float[] relH, float[] relW, int keyH, int keyW, float[] probs, Parallel par) {
        check(q, k, v, out, tq, tk, heads, heads, headDim, false, probs);
        if (keyH < 1 || keyW < 1 || (long) keyH * keyW != tk)
            throw new IllegalArgumentException("attention: key grid " + keyH + "×" + keyW + " does not hold " + tk + " keys");
        need("relH", relH, (long) heads * tq * keyH);
        need("relW", relW, (long) heads * tq * keyW);
        run(q, k, v, out, tq, tk, heads, heads, headDim, scale, false, new RelPos(relH, relW, keyH, keyW), probs, par);
    }

    private record RelPos(float[] h, float[] w, int keyH, int keyW) {
        /** scores[(ky, kx)] = (scores + relH[row, ky]) + relW[row, kx], PyTorch's order of the two broadcast adds. */
        void add(float[] scores, int row) {
            for (int ky = 0, j = 0; ky < keyH; ky++) {
                float rh = h[row * keyH + ky];
                for (int kx = 0; kx < keyW; kx++, j++) scores[j] = scores[j] + rh + w[row * keyW + kx];
            }
        }
    }

    private static void run(float[] q, float[] k, float[] v, float[] out, int tq, int tk, int heads, int kvHeads,
                            int headDim, float scale, boolean causal, RelPos rel, float[] probs, Parallel par) {
        int group = heads / kvHeads, qStride = heads * headDim, kvStride = kvHeads * headDim;
        par.forRange(heads * tq, (start, end) -> {
            float[] scores = new float[PackedHead.roundUp(tk)];
            PackedHead packed = null;
            for (int w = start; w < end; ) {
                int h = w / tq, first = w % tq, last = Math.min(tq, first + end - w);   // this range's queries of head h
                int kvOff = (h / group) * headDim;
                boolean pack = last - first >= PACK_MIN_QUERIES;
                if (pack) {
                    if (packed == null) packed = new PackedHead(tk, headDim);
                    packed.pack(k, v, kvOff, kvStride, causal ? tk - tq + last : tk);
                }
                for (int i = first; i < last; i++) {
                    int qOff = i * qStride + h * headDim;
                    int keys = causal ? tk - tq + i + 1 : tk;
                    if (pack) packed.scores(q, qOff, keys, scale, scores);
                    else scores(q, qOff, k, kvOff, kvStride, headDim, keys, scale, scores);
                    if (rel != null) rel.add(scores, h * tq + i);
                    Softmax.row(scores, 0, keys);
                    if (pack) packed.weightedSum(scores, keys, out, qOff);
                    else weightedSum(scores, keys, v, kvOff, kvStride, headDim, out, qOff);
                    if (probs != null) {
                        int pOff = (h * tq + i) * tk;
                        System.arraycopy(scores, 0, probs, pOff, keys);
                        Arrays.fill(probs, pOff + keys, pOff + tk, 0f);
                    }
                }
                w += last - first;
            }
        });
    }

    // The helpers below are kept small on purpose: C1 gives up on large Vector API methods
    // ("out of virtual registers") and such a method then never reaches C2, running ~50× slower.

    /** scores[j] = q·k_j · scale for j < keys, four keys per call so each q load feeds four FMAs. */
    private static void scores(float[] q, int qOff, float[] k, int kOff, int kStride, int d, int keys, float scale, float[] scores) {
        int j = 0;
        for (; j + 4 <= keys; j += 4) dot4(q, qOff, k, kOff + j * kStride, kStride, d, scale, scores, j);
        for (; j < keys; j++) scores[j] = dot(q, qOff, k, kOff + j * kStride, d) * scale;
    }

    private static void dot4(float[] q, int qOff, float[] k, int k0, int kStride, int d, float scale, float[] scores, int j) {
        int k1 = k0 + kStride, k2 = k1 + kStride, k3 = k2 + kStride, dEnd = S.loopBound(d);
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < dEnd; c += S.length()) {
            FloatVector qv = FloatVector.fromArray(S, q, qOff + c);
            a0 = FloatVector.fromArray(S, k, k0 + c).fma(qv, a0);
            a1 = FloatVector.fromArray(S, k, k1 + c).fma(qv, a1);
            a2 = FloatVector.fromArray(S, k, k2 + c).fma(qv, a2);
            a3 = FloatVector.fromArray(S, k, k3 + c).fma(qv, a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (int c = dEnd; c < d; c++) {
            float qc = q[qOff + c];
            s0 += qc * k[k0 + c]; s1 += qc * k[k1 + c]; s2 += qc * k[k2 + c]; s3 += qc * k[k3 + c];
        }
        scores[j] = s0 * scale; scores[j + 1] = s1 * scale; scores[j + 2] = s2 * scale; scores[j + 3] = s3 * scale;
    }

    /** q[qOff ..+d) · k[k0 ..+d), lanes summed in the fixed order. */
    static float dot(float[] q, int qOff, float[] k, int k0, int d) {
        int dEnd = S.loopBound(d);
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < dEnd; c += S.length())
            acc = FloatVector.fromArray(S, k, k0 + c).fma(FloatVector.fromArray(S, q, qOff + c), acc);
        float s = Lanes.sum(acc);
        for (int c = dEnd; c < d; c++) s += q[qOff + c] * k[k0 + c];
        return s;
    }

    /** out[oOff, oOff + d) = Σ_j p_j · v_j over j < keys, four value rows per pass over the output row. */
    private static void weightedSum(float[] p, int keys, float[] v, int vOff, int vStride, int d, float[] out, int oOff) {
        Arrays.fill(out, oOff, oOff + d, 0f);
        int j = 0;
        for (; j + 4 <= keys; j += 4) axpy4(p, j, v, vOff + j * vStride, vStride, d, out, oOff);
        for (; j < keys; j++) axpy(p[j], v, vOff + j * vStride, d, out, oOff);
    }

    private static void axpy4(float[] p, int j, float[] v, int v0, int vStride, int d, float[] out, int oOff) {
        int v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride, dEnd = S.loopBound(d);
        float p0 = p[j], p1 = p[j + 1], p2 = p[j + 2], p3 = p[j + 3];
        FloatVector b0 = FloatVector.broadcast(S, p0), b1 = FloatVector.broadcast(S, p1);
        FloatVector b2 = FloatVector.broadcast(S, p2), b3 = FloatVector.broadcast(S, p3);
        for (int c = 0; c < dEnd; c += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, out, oOff + c);
            acc = FloatVector.fromArray(S, v, v0 + c).fma(b0, acc);
            acc = FloatVector.fromArray(S, v, v1 + c).fma(b1, acc);
            acc = FloatVector.fromArray(S, v, v2 + c).fma(b2, acc);
            acc = FloatVector.fromArray(S, v, v3 + c).fma(b3, acc);
            acc.intoArray(out, oOff + c);
        }
        for (int c = dEnd; c < d; c++)
            out[oOff + c] += p0 * v[v0 + c] + p1 * v[v1 + c] + p2 * v[v2 + c] + p3 * v[v3 + c];
    }

    private static void axpy(float p, float[] v, int v0, int d, float[] out, int oOff) {
        int dEnd = S.loopBound(d);
        FloatVector b = FloatVector.broadcast(S, p);
        for (int c = 0; c < dEnd; c += S.length())
            FloatVector.fromArray(S, v, v0 + c).fma(b, FloatVector.fromArray(S, out, oOff + c)).intoArray(out, oOff + c);
        for (int c = dEnd; c < d; c++) out[oOff + c] += p * v[v0 + c];
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
