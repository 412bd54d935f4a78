package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of SAM's ViT with decomposed relative positions (segment-anything
 * image_encoder.py Attention + add_decomposed_rel_pos) over a batch of h × w token grids (the
 * windows, or the whole grid in a global block). For query i at (yi, xi) and key j at (yj, xj):
 * <pre>
 *   logit_ij = scale · q_i·k_j + q_i·relPosH[yi - yj + h - 1] + q_i·relPosW[xi - xj + w - 1]
 * </pre>
 * with the unscaled q in the two position terms, softmax over j, then Σ_j p_ij v_j. Each
 * (grid, head, query) row is independent; rows are split over threads. This version
 * materialises one row of logits at a time; a tiled version is future work.
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
        int t = h * w, width = heads * headDim, row = 3 * width;
        check(qkv, out, batch, h, w, heads, headDim, relPosH, relPosW);
        par.forRange(batch * heads * t, (start, end) -> {
            float[] logits = new float[t], relH = new float[h], relW = new float[w];
            for (int r = start; r < end; r++) {
                int g = r / (heads * t), head = (r / t) % heads, i = r % t;
                int base = g * t * row, qOff = base + i * row + head * headDim;
                int kOff = base + width + head * headDim, vOff = base + 2 * width + head * headDim;
                int yi = i / w, xi = i % w;
                for (int yj = 0; yj < h; yj++) relH[yj] = dot(qkv, qOff, relPosH, (yi - yj + h - 1) * headDim, headDim);
                for (int xj = 0; xj < w; xj++) relW[xj] = dot(qkv, qOff, relPosW, (xi - xj + w - 1) * headDim, headDim);
                for (int j = 0; j < t; j++)
                    logits[j] = dot(qkv, qOff, qkv, kOff + j * row, headDim) * scale + relH[j / w] + relW[j % w];
                Softmax.row(logits, 0, t);
                weightedSum(logits, t, qkv, vOff, row, headDim, out, (g * t + i) * width + head * headDim);
            }
        });
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int end = S.loopBound(n), c = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; c < end; c += S.length())
            acc = FloatVector.fromArray(S, a, aOff + c).fma(FloatVector.fromArray(S, b, bOff + c), acc);
        if (c < n) {
            VectorMask<Float> m = S.indexInRange(c, n);
            acc = FloatVector.fromArray(S, a, aOff + c, m).fma(FloatVector.fromArray(S, b, bOff + c, m), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** out[oOff, oOff + d) = Σ_j p_j · v_j, v_j at vOff + j·stride. */
    private static void weightedSum(float[] p, int keys, float[] v, int vOff, int stride, int d, float[] out, int oOff) {
        int end = S.loopBound(d), c = 0;
        for (; c < end; c += S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < keys; j++) acc = FloatVector.fromArray(S, v, vOff + j * stride + c).fma(FloatVector.broadcast(S, p[j]), acc);
            acc.intoArray(out, oOff + c);
        }
        if (c < d) {
            VectorMask<Float> m = S.indexInRange(c, d);
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < keys; j++) acc = FloatVector.fromArray(S, v, vOff + j * stride + c, m).fma(FloatVector.broadcast(S, p[j]), acc);
            acc.intoArray(out, oOff + c, m);
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
