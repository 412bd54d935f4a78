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
 * <p>A {@link QueryTile} at a time, so the t × t score matrix (4096² per head in a global
 * block) never exists; the position terms are two more products of the tile's queries, with
 * the tables' rows, picked per lane and added down the strip before the softmax. A thread takes
 * (grid, head) pairs in turn; results do not depend on the thread count or on which thread ran
 * what.
 */
public final class RelPosAttention {
    private RelPosAttention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), MR = QueryTile.MR, NR = QueryTile.NR;

    /**
     * qkv [batch, h·w, 3·heads·d], each row [q | k | v] with heads contiguous inside each part
     * (the layout of SAM's qkv Linear); relPosH [2h - 1, d], relPosW [2w - 1, d]; out
     * [batch, h·w, heads·d].
     */
    public static void attention(float[] qkv, float[] out, int batch, int h, int w, int heads, int headDim, float scale,
                                 float[] relPosH, float[] relPosW, Parallel par) {
        check(qkv, out, batch, h, w, heads, headDim, relPosH, relPosW);
        float[] tableH = padRows(relPosH, 2 * h - 1, headDim), tableW = padRows(relPosW, 2 * w - 1, headDim);
        int units = batch * heads;   // chunks of several windows, so a thread's buffers serve many
        par.forChunks(units, Math.max(1, units / (4 * par.threads())), (u0, u1) -> {
            Positions tile = new Positions(h, w, headDim, tableH, tableW);
            for (int u = u0; u < u1; u++) tile.head(qkv, out, u / heads, u % heads, heads, scale);
        });
    }

    /** A query tile with the position terms: one thread's buffers, reused over the (grid, head) pairs it takes. */
    private static final class Positions {
        final int h, w, t, d;
        final QueryTile tile;
        final float[] tableH, tableW, relH, relW, rowH, colW;

        Positions(int h, int w, int d, float[] tableH, float[] tableW) {
            this.h = h;
            this.w = w;
            this.d = d;
            t = h * w;
            tile = new QueryTile(t, d);
            this.tableH = tableH;
            this.tableW = tableW;
            relH = new float[tableH.length / d * MR];   // [2h - 1 padded, MR]: tableH rows · q
            relW = new float[tableW.length / d * MR];
            rowH = new float[h * MR];                   // [h, MR]: relH picked per lane at yi - yj + h - 1
            colW = new float[w * MR];
        }

        void head(float[] qkv, float[] out, int grid, int head, int heads, float scale) {
            int width = heads * d, row = 3 * width, base = grid * t * row + head * d;
            tile.loadHead(qkv, base + width, qkv, base + 2 * width, row, t);
            for (int i0 = 0; i0 < t; i0 += MR) {
                int lanes = Math.min(MR, t - i0);
                tile.loadQueries(qkv, base + i0 * row, row, lanes, scale);
                tile.scores();
                addPositions(i0, lanes);
                tile.softmax();
                tile.weightedSum(out, (grid * t + i0) * width + head * d, width, lanes);
            }
        }
        /** strip[j] = (strip[j] + relH[yj]) + relW[xj] for j < t, PyTorch's order of the two broadcast adds. */
        private void addPositions(int i0, int lanes) {
            product(tableH, relH);
            product(tableW, relW);
            for (int l = 0; l < lanes; l++) {
                int yi = (i0 + l) / w, xi = (i0 + l) % w;
                for (int yj = 0; yj < h; yj++) rowH[yj * MR + l] = relH[(yi - yj + h - 1) * MR + l];
                for (int xj = 0; xj < w; xj++) colW[xj * MR + l] = relW[(xi - xj + w - 1) * MR + l];
            }
            for (int l = lanes; l < MR; l++) {
                for (int yj = 0; yj < h; yj++) rowH[yj * MR + l] = 0f;
                for (int xj = 0; xj < w; xj++) colW[xj * MR + l] = 0f;
            }
            float[] strip = tile.strip;
            for (int yj = 0, j = 0; yj < h; yj++)
                for (int xj = 0; xj < w; xj++, j++)
                    for (int v = 0; v < MR; v += L) {
                        FloatVector s = FloatVector.fromArray(S, strip, j * MR + v).add(FloatVector.fromArray(S, rowH, yj * MR + v));
                        s.add(FloatVector.fromArray(S, colW, xj * MR + v)).intoArray(strip, j * MR + v);
                    }
        }

        /** rel [rows, MR] = table [rows, d] · q, every row of the table against every (unscaled) query of the tile. */
        private void product(float[] table, float[] rel) {
            Arrays.fill(rel, 0f);
            for (int r0 = 0; r0 < table.length / d; r0 += NR) Matmul.kernel(tile.q, 0, table, r0 * d, d, rel, r0 * MR);
        }
    }

    /** table [rows, d] copied with zero rows up to a multiple of {@link Matmul#NR}. */
    private static float[] padRows(float[] table, int rows, int d) {
        return Arrays.copyOf(table, QueryTile.roundUp(rows, NR) * d);
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
