package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Attention of SAM's ViT with decomposed relative positions (segment-anything
 * image_encoder.py Attention + add_decomposed_rel_pos) over a batch of h × w token grids (the
 * windows, or the whole grid in a global block). For query i at (yi, xi) and key j at (yj, xj):
 * <pre>
 *   logit_ij = (scale · q_i)·k_j + q_i·relPosH[yi - yj + h - 1] + q_i·relPosW[xi - xj + w - 1]
 * </pre>
 * with the unscaled q in the two position terms, softmax over j, then Σ_j p_ij v_j.
 *
 * <p>Tiled so that the t × t score matrix (4096² per head in a global block) never exists:
 * queries go {@link Matmul#MR} at a time, lanes along the queries, through the GEMM's own
 * micro-kernel. A tile's strip of scores sᵀ [keys, MR] is q·kᵀ with 8 keys broadcast per step;
 * the position terms are two more such products against the tables; the softmax runs down the
 * strip with every lane a query of its own (no horizontal reductions, each lane summed in key
 * order); and the strip is then the packed left operand of p·v, with 8 value channels
 * broadcast. A thread takes one (grid, head) at a time and copies its keys [t, d] and values
 * transposed [d, t] once. Every output depends only on its own query's arithmetic, so results
 * do not depend on the thread count or on which thread ran what.
 */
public final class RelPosAttention {
    private RelPosAttention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), MR = Matmul.MR, NR = Matmul.NR;

    /**
     * qkv [batch, h·w, 3·heads·d], each row [q | k | v] with heads contiguous inside each part
     * (the layout of SAM's qkv Linear); relPosH [2h - 1, d], relPosW [2w - 1, d]; out
     * [batch, h·w, heads·d].
     */
    public static void attention(float[] qkv, float[] out, int batch, int h, int w, int heads, int headDim, float scale,
                                 float[] relPosH, float[] relPosW, Parallel par) {
        check(qkv, out, batch, h, w, heads, headDim, relPosH, relPosW);
        Grid grid = new Grid(h, w, heads, headDim, scale, padRows(relPosH, 2 * h - 1, headDim), padRows(relPosW, 2 * w - 1, headDim));
        int units = batch * heads;   // chunks of several windows, so a thread's buffers serve many
        par.forChunks(units, Math.max(1, units / (4 * par.threads())), (u0, u1) -> {
            Tile tile = new Tile(grid);
            for (int u = u0; u < u1; u++) tile.head(qkv, out, u / heads, u % heads);
        });
    }

    /** The sizes of one call and the position tables with their rows padded to a multiple of {@link Matmul#NR}. */
    private record Grid(int h, int w, int heads, int d, float scale, float[] tableH, float[] tableW) {
        int tokens() { return h * w; }
    }

    /** One thread's buffers, reused over the (grid, head) pairs it takes. */
    private static final class Tile {
        final Grid g;
        final int t, d, dPad, tPad;
        final float[] keys, valuesT, qScaled, q, strip, relH, relW, rowH, colW, acc;

        Tile(Grid g) {
            this.g = g;
            t = g.tokens();
            d = g.d;
            tPad = roundUp(t, NR);
            dPad = roundUp(d, NR);
            keys = new float[tPad * d];        // [tPad, d], rows past t zero
            valuesT = new float[dPad * t];     // [dPad, t], rows past d zero
            qScaled = new float[d * MR];       // [d, MR]: the tile's queries transposed, times scale
            q = new float[d * MR];             // the same unscaled, for the position terms
            strip = new float[tPad * MR];      // sᵀ [tPad, MR], then the probabilities
            relH = new float[g.tableH.length / d * MR];   // [2h - 1 padded, MR]: q · tableH rows
            relW = new float[g.tableW.length / d * MR];
            rowH = new float[g.h * MR];        // [h, MR]: relH picked per lane at yi - yj + h - 1
            colW = new float[g.w * MR];
            acc = new float[NR * MR];
        }

        void head(float[] qkv, float[] out, int grid, int head) {
            int width = g.heads * d, row = 3 * width, base = grid * t * row + head * d;
            for (int j = 0; j < t; j++) {
                int k = base + j * row + width;
                System.arraycopy(qkv, k, keys, j * d, d);
                for (int c = 0; c < d; c++) valuesT[c * t + j] = qkv[k + width + c];
            }
            for (int i0 = 0; i0 < t; i0 += MR) {
                int lanes = Math.min(MR, t - i0);
                packQueries(qkv, base + i0 * row, row, lanes);
                scores(i0, lanes);
                softmax();
                for (int c0 = 0; c0 < d; c0 += NR) {
                    Arrays.fill(acc, 0f);
                    Matmul.kernel(strip, 0, valuesT, c0 * t, t, acc, 0);
                    int o = (grid * t + i0) * width + head * d;
                    for (int r = 0; r < Math.min(NR, d - c0); r++)
                        for (int l = 0; l < lanes; l++) out[o + l * width + c0 + r] = acc[r * MR + l];
                }
            }
        }

        /** q and qScaled [d, MR] from the tile's rows; lanes past the last query stay 0. */
        private void packQueries(float[] qkv, int first, int row, int lanes) {
            Arrays.fill(q, 0f);
            Arrays.fill(qScaled, 0f);
            for (int l = 0; l < lanes; l++)
                for (int c = 0; c < d; c++) {
                    float v = qkv[first + l * row + c];
                    q[c * MR + l] = v;
                    qScaled[c * MR + l] = v * g.scale;   // the official (q * scale) @ kᵀ
                }
        }

        /** strip[j] = (q·k_j + relH[yj]) + relW[xj] for j < t, PyTorch's order of the two broadcast adds. */
        private void scores(int i0, int lanes) {
            Arrays.fill(strip, 0f);
            for (int j0 = 0; j0 < tPad; j0 += NR) Matmul.kernel(qScaled, 0, keys, j0 * d, d, strip, j0 * MR);
            product(g.tableH, relH);
            product(g.tableW, relW);
            int h = g.h, w = g.w;
            for (int l = 0; l < lanes; l++) {
                int yi = (i0 + l) / w, xi = (i0 + l) % w;
                for (int yj = 0; yj < h; yj++) rowH[yj * MR + l] = relH[(yi - yj + h - 1) * MR + l];
                for (int xj = 0; xj < w; xj++) colW[xj * MR + l] = relW[(xi - xj + w - 1) * MR + l];
            }
            for (int l = lanes; l < MR; l++) {
                for (int yj = 0; yj < h; yj++) rowH[yj * MR + l] = 0f;
                for (int xj = 0; xj < w; xj++) colW[xj * MR + l] = 0f;
            }
            for (int yj = 0, j = 0; yj < h; yj++)
                for (int xj = 0; xj < w; xj++, j++)
                    for (int v = 0; v < MR; v += L) {
                        FloatVector s = FloatVector.fromArray(S, strip, j * MR + v).add(FloatVector.fromArray(S, rowH, yj * MR + v));
                        s.add(FloatVector.fromArray(S, colW, xj * MR + v)).intoArray(strip, j * MR + v);
                    }
        }

        /** rel [rows, MR] = table [rows, d] · q, every row of the table against every query of the tile. */
        private void product(float[] table, float[] rel) {
            Arrays.fill(rel, 0f);
            for (int r0 = 0; r0 < table.length / d; r0 += NR) Matmul.kernel(q, 0, table, r0 * d, d, rel, r0 * MR);
        }

        /** Each lane (query) of strip[0, t): exp(s - max) times 1 / Σ, summed in key order. */
        private void softmax() {
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
    }

    /** table [rows, d] copied with zero rows up to a multiple of {@link Matmul#NR}. */
    private static float[] padRows(float[] table, int rows, int d) {
        return Arrays.copyOf(table, roundUp(rows, NR) * d);
    }

    private static int roundUp(int v, int to) { return (v + to - 1) / to * to; }

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
