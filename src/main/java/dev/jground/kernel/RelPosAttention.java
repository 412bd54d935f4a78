package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Attention of SAM's ViT with decomposed relative positions (segment-anything
 * image_encoder.py Attention + add_decomposed_rel_pos) over a batch of h × w token grids (the
 * windows, or the whole grid in a global block). For query i at (yi, xi) and key j at (yj, xj):
 * <pre>
 *   logit_ij = scale · q_i·k_j + q_i·relPosH[yi - yj + h - 1] + q_i·relPosW[xi - xj + w - 1]
 * </pre>
 * with the unscaled q in the two position terms, softmax over j, then Σ_j p_ij v_j. Rows
 * (grid, head, query) are split over threads in contiguous ranges; a thread copies the keys
 * of its current (grid, head) transposed, [d, t], and the values contiguous, [t, d], so the
 * logits of a query are d vector FMAs over all keys at once (no per-key reductions) and the
 * value sum streams rows. One row of logits is materialised at a time; a tiled version is
 * future work.
 */
public final class RelPosAttention {
    private RelPosAttention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * qkv [batch, h·w, 3·heads·d], each row [q | k | v] with heads contiguous inside each part
     * (the layout of SAM's qkv Linear); relPosH [2h - 1, d], relPosW [2w - 1, d]; out
     * [batch, h·w, heads·d].
     */
    public static void attention(float[] qkv, float[] out, int batch, int h, int w, int heads, int headDim, float scale,
                                 float[] relPosH, float[] relPosW, Parallel par) {
        int t = h * w, d = headDim, width = heads * d, row = 3 * width;
        check(qkv, out, batch, h, w, heads, headDim, relPosH, relPosW);
        par.forRange(batch * heads * t, (start, end) -> {
            float[] keysT = new float[d * t], values = new float[t * d];
            float[] logits = new float[t], relH = new float[h], relW = new float[w];
            int loaded = -1;
            for (int r = start; r < end; r++) {
                int gh = r / t, i = r % t, g = gh / heads, head = gh % heads;
                int base = g * t * row + head * d;
                if (gh != loaded) {
                    for (int j = 0; j < t; j++) {
                        int k = base + j * row + width;
                        for (int c = 0; c < d; c++) keysT[c * t + j] = qkv[k + c];
                        System.arraycopy(qkv, k + width, values, j * d, d);
                    }
                    loaded = gh;
                }
                int qOff = base + i * row, yi = i / w, xi = i % w;
                for (int yj = 0; yj < h; yj++) relH[yj] = Attention.dot(qkv, qOff, relPosH, (yi - yj + h - 1) * d, d);
                for (int xj = 0; xj < w; xj++) relW[xj] = Attention.dot(qkv, qOff, relPosW, (xi - xj + w - 1) * d, d);
                scores(qkv, qOff, scale, keysT, t, d, logits);
                for (int yj = 0, j = 0; yj < h; yj++)
                    for (int xj = 0; xj < w; xj++, j++) logits[j] += relH[yj] + relW[xj];
                Softmax.row(logits, 0, t);
                weightedSum(logits, t, values, d, out, (g * t + i) * width + head * d);
            }
        });
    }

    /** logits[j] = Σ_c (q_c · scale) kᵀ[c, j], as the official (q * scale) @ kᵀ, vectorised over the keys. */
    private static void scores(float[] q, int qOff, float scale, float[] keysT, int t, int d, float[] logits) {
        int end = S.loopBound(t);
        VectorMask<Float> tail = S.indexInRange(end, t);
        Arrays.fill(logits, 0, t, 0f);
        for (int c = 0; c < d; c++) {
            FloatVector qc = FloatVector.broadcast(S, q[qOff + c] * scale);
            int k = c * t, j = 0;
            for (; j < end; j += S.length())
                FloatVector.fromArray(S, keysT, k + j).fma(qc, FloatVector.fromArray(S, logits, j)).intoArray(logits, j);
            if (j < t)
                FloatVector.fromArray(S, keysT, k + j, tail).fma(qc, FloatVector.fromArray(S, logits, j, tail)).intoArray(logits, j, tail);
        }
    }

    /** out[oOff, oOff + d) = Σ_j p_j · v_j over contiguous value rows v [keys, d], two rows per pass. */
    private static void weightedSum(float[] p, int keys, float[] v, int d, float[] out, int oOff) {
        int end = S.loopBound(d);
        VectorMask<Float> tail = S.indexInRange(end, d);
        Arrays.fill(out, oOff, oOff + d, 0f);
        int j = 0;
        for (; j + 2 <= keys; j += 2) {
            FloatVector p0 = FloatVector.broadcast(S, p[j]), p1 = FloatVector.broadcast(S, p[j + 1]);
            int v0 = j * d, v1 = v0 + d, c = 0;
            for (; c < end; c += S.length()) {
                FloatVector acc = FloatVector.fromArray(S, out, oOff + c);
                acc = FloatVector.fromArray(S, v, v0 + c).fma(p0, acc);
                FloatVector.fromArray(S, v, v1 + c).fma(p1, acc).intoArray(out, oOff + c);
            }
            if (c < d) {
                FloatVector acc = FloatVector.fromArray(S, out, oOff + c, tail);
                acc = FloatVector.fromArray(S, v, v0 + c, tail).fma(p0, acc);
                FloatVector.fromArray(S, v, v1 + c, tail).fma(p1, acc).intoArray(out, oOff + c, tail);
            }
        }
        for (; j < keys; j++) {
            FloatVector p0 = FloatVector.broadcast(S, p[j]);
            int v0 = j * d, c = 0;
            for (; c < end; c += S.length())
                FloatVector.fromArray(S, v, v0 + c).fma(p0, FloatVector.fromArray(S, out, oOff + c)).intoArray(out, oOff + c);
            if (c < d)
                FloatVector.fromArray(S, v, v0 + c, tail).fma(p0, FloatVector.fromArray(S, out, oOff + c, tail)).intoArray(out, oOff + c, tail);
        }
    }

    private static void check(float[] qkv, float[] out, int batch, int h, int w, int heads, int headDim,
                              float[] relPosH, float[] relPosW) {
        if (batch < 1 || h < 1 || w < 1 || heads < 1 || headDim < 1)
            throw new IllegalArgumentException("rel-pos attention: sizes must be positive, got batch=" + batch + " grid "
                    + h + "x" + w + " heads=" + heads + " headDim=" + headDim);
        long tokens = (long) batch * h * w, width = (long) heads * headDim;
        need("qkv", qkv, tokens * 3 * width);
        need("out", out, tokens * width);
        if (relPosH.length != (2L * h - 1) * headDim || relPosW.length != (2L * w - 1) * headDim)
            throw new IllegalArgumentException("rel-pos attention: tables of " + relPosH.length + " and " + relPosW.length
                    + " elements, need [" + (2 * h - 1) + ", " + headDim + "] and [" + (2 * w - 1) + ", " + headDim + "]");
    }

    private static void need(String name, float[] a, long n) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("rel-pos attention: " + name + " would need " + n + " elements");
        if (a.length < n) throw new IllegalArgumentException("rel-pos attention: " + name + " has " + a.length + " elements, need " + n);
    }
}
