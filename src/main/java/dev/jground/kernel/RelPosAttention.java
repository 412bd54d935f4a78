package dev.jground.kernel;

import java.util.Arrays;

/**
 * Attention of SAM's ViT with decomposed relative positions (segment-anything
 * image_encoder.py Attention + add_decomposed_rel_pos) inside h × w windows. For query i at
 * (yi, xi) and key j at (yj, xj) of a window:
 * <pre>
 *   logit_ij = (scale · q_i)·k_j + q_i·relPosH[yi - yj + h - 1] + q_i·relPosW[xi - xj + w - 1]
 * </pre>
 * with the unscaled q in the two position terms, softmax over j, then Σ_j p_ij v_j.
 *
 * <p>The windows are cut from a token grid in place (window_partition and window_unpartition
 * without the copies): tokens past the grid's bottom or right edge, the padding, are keys whose
 * k and v are given (the official code zero-pads the normalised grid, so they are the qkv
 * bias), and are never queries. A global block is one window of the whole grid. A
 * {@link QueryTile} at a time, so the t × t score matrix (4096² per head in a global block)
 * never exists; the position terms are two more products of the tile's queries, with the
 * tables' rows, picked per lane and added to the scores as they are made. A thread takes
 * (window, head) pairs in turn; results do not depend on the thread count or on which thread
 * ran what.
 */
public final class RelPosAttention {
    private RelPosAttention() {}

    private static final int MR = QueryTile.MR, NR = QueryTile.NR;

    /**
     * B separate h × w grids: qkv [batch, h·w, 3·heads·d], each row [q | k | v] with heads
     * contiguous inside each part (the layout of SAM's qkv Linear); relPosH [2h - 1, d],
     * relPosW [2w - 1, d]; out [batch, h·w, heads·d].
     */
    public static void attention(float[] qkv, float[] out, int batch, int h, int w, int heads, int headDim, float scale,
                                 float[] relPosH, float[] relPosW, Parallel par) {
        if (batch < 1) throw new IllegalArgumentException("rel-pos attention: batch " + batch + " < 1");
        windows(qkv, out, batch * h, w, h, w, null, heads, headDim, scale, relPosH, relPosW, par);   // grids stacked: windows of one
    }

    /**
     * The h × w windows of one gridH × gridW grid, row-major over it: qkv [gridH·gridW, 3·heads·d]
     * and out [gridH·gridW, heads·d] hold the grid's tokens row-major; pad [3·heads·d] is the
     * [q | k | v] row of a token past the grid (null: zeros); relPosH [2h - 1, d], relPosW
     * [2w - 1, d].
     */
    public static void windows(float[] qkv, float[] out, int gridH, int gridW, int h, int w, float[] pad, int heads, int headDim,
                               float scale, float[] relPosH, float[] relPosW, Parallel par) {
        check(qkv, out, gridH, gridW, h, w, pad, heads, headDim, relPosH, relPosW);
        Grid g = new Grid(gridH, gridW, h, w, heads, headDim, pad == null ? new float[3 * heads * headDim] : pad,
                packRows(relPosH, 2 * h - 1, headDim), packRows(relPosW, 2 * w - 1, headDim));
        int units = g.count() * heads;   // chunks of several windows, so a thread's buffers serve many
        par.forChunks(units, Math.max(1, units / (4 * par.threads())), (u0, u1) -> {
            Window window = new Window(g);
            for (int u = u0; u < u1; u++) window.head(qkv, out, u / heads, u % heads, scale);
        });
    }

    /** The grid, its windows, and the position tables with their rows padded to a multiple of NR. */
    private record Grid(int gridH, int gridW, int h, int w, int heads, int d, float[] pad, float[] tableH, float[] tableW) {
        int across() { return (gridW + w - 1) / w; }

        int count() { return (gridH + h - 1) / h * across(); }

        /** The grid row-major index of token j of window n, or -1 past the grid. */
        int token(int n, int j) {
            int y = n / across() * h + j / w, x = n % across() * w + j % w;
            return y < gridH && x < gridW ? y * gridW + x : -1;
        }
    }

    /** A query tile with the position terms: one thread's buffers, reused over the (window, head) pairs it takes. */
    private static final class Window {
        final Grid g;
        final int t, d;
        final QueryTile tile;
        final int[] tokens, keys, values, queries, outs, queryToken;
        final float[] relH, relW, rowH, colW;

        Window(Grid g) {
            this.g = g;
            t = g.h * g.w;
            d = g.d;
            tile = QueryTile.of(t, d);
            tokens = new int[t];
            keys = new int[t];
            values = new int[t];
            queries = new int[t];
            outs = new int[t];
            queryToken = new int[t];
            relH = new float[g.tableH.length / d * MR];   // [2h - 1 padded, MR]: tableH rows · q
            relW = new float[g.tableW.length / d * MR];
            rowH = new float[g.h * MR];                   // [h, MR]: relH picked per lane at yi - yj + h - 1
            colW = new float[g.w * MR];
        }

        void head(float[] qkv, float[] out, int window, int head, float scale) {
            int width = g.heads * d, row = 3 * width, n = 0;
            for (int j = 0; j < t; j++) {
                int token = g.token(window, j);
                tokens[j] = token;
                keys[j] = token < 0 ? 0 : token * row + width + head * d;   // padding: loaded, then replaced
                values[j] = keys[j] + (token < 0 ? 0 : width);
                if (token >= 0) {   // only the grid's own tokens are queries
                    queries[n] = token * row + head * d;
                    outs[n] = token * width + head * d;
                    queryToken[n++] = j;
                }
            }
            tile.loadHead(qkv, keys, qkv, values, t);
            for (int j = 0; j < t; j++) if (tokens[j] < 0) tile.setKey(j, g.pad, width + head * d, 2 * width + head * d);
            for (int i0 = 0; i0 < n; i0 += MR) {
                int lanes = Math.min(MR, n - i0);
                tile.loadQueries(qkv, queries, i0, lanes, scale);
                positions(i0, lanes);
                tile.scores(rowH, colW, g.w);
                tile.softmax();
                tile.weightedSum(out, outs, i0, lanes);
            }
        }

        /** rowH [h, MR] and colW [w, MR]: each lane's position terms, relH and relW picked at yi - yj + h - 1 and xi - xj + w - 1. */
        private void positions(int i0, int lanes) {
            int h = g.h, w = g.w;
            product(g.tableH, relH);
            product(g.tableW, relW);
            for (int l = 0; l < lanes; l++) {
                int yi = queryToken[i0 + l] / w, xi = queryToken[i0 + l] % w;
                for (int yj = 0; yj < h; yj++) rowH[yj * MR + l] = relH[(yi - yj + h - 1) * MR + l];
                for (int xj = 0; xj < w; xj++) colW[xj * MR + l] = relW[(xi - xj + w - 1) * MR + l];
            }
            for (int l = lanes; l < MR; l++) {
                for (int yj = 0; yj < h; yj++) rowH[yj * MR + l] = 0f;
                for (int xj = 0; xj < w; xj++) colW[xj * MR + l] = 0f;
            }
        }

        /** rel [rows, MR] = table [rows, d] · q, every row of the table against every (unscaled) query of the tile. */
        private void product(float[] table, float[] rel) {
            Arrays.fill(rel, 0f);
            for (int r0 = 0; r0 < table.length / d; r0 += NR) QueryTile.kernel(tile.q, 0, table, r0 * d, d, rel, r0 * MR);
        }
    }

    /** table [rows, d] packed in panels of {@link QueryTile#NR} rows ({@link Matmul#packColumns}), zero rows up to a multiple of NR. */
    private static float[] packRows(float[] table, int rows, int d) {
        float[] packed = new float[Matmul.roundUp(rows, NR) * d];
        for (int r0 = 0; r0 < rows; r0 += NR) Matmul.packColumns(table, r0 * d, d, Math.min(NR, rows - r0), NR, 0, d, packed, r0 * d);
        return packed;
    }

    private static void check(float[] qkv, float[] out, int gridH, int gridW, int h, int w, float[] pad, int heads, int headDim,
                              float[] relPosH, float[] relPosW) {
        if (gridH < 1 || gridW < 1 || h < 1 || w < 1 || heads < 1 || headDim < 1)
            throw new IllegalArgumentException("rel-pos attention: sizes must be positive, got grid " + gridH + "x" + gridW
                    + " windows " + h + "x" + w + " heads=" + heads + " headDim=" + headDim);
        long tokens = (long) gridH * gridW, width = (long) heads * headDim;
        need("qkv", qkv, tokens * 3 * width);
        need("out", out, tokens * width);
        if (pad != null && pad.length != 3 * width)
            throw new IllegalArgumentException("rel-pos attention: the pad row has " + pad.length + " elements, need " + 3 * width);
        if (relPosH.length != (2L * h - 1) * headDim || relPosW.length != (2L * w - 1) * headDim)
            throw new IllegalArgumentException("rel-pos attention: tables of " + relPosH.length + " and " + relPosW.length
                    + " elements, need [" + (2 * h - 1) + ", " + headDim + "] and [" + (2 * w - 1) + ", " + headDim + "]");
    }

    private static void need(String name, float[] a, long n) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("rel-pos attention: " + name + " would need " + n + " elements");
        if (a.length < n) throw new IllegalArgumentException("rel-pos attention: " + name + " has " + a.length + " elements, need " + n);
    }
}
