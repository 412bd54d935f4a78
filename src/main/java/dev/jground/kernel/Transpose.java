package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rows read as columns: the transpose of a matrix, and the same for a block of rows with a
 * stride (packing a head's keys, a GEMM tile). Vector gathers take one column of L rows at a
 * time, in strips of 16 columns so each row's cache line is fetched once: 0.4 ns an element
 * where scalar copies ran at 1-2 (the writes of a column-wise walk miss, or the reads of a
 * row-wise one alias in the cache when rows are a power-of-two apart).
 */
public final class Transpose {
    private Transpose() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), STRIP = 16;

    /** out [cols, rows] = in [rows, cols] transposed, rows split over par. */
    public static void transpose(float[] in, int rows, int cols, float[] out, Parallel par) {
        if ((long) rows * cols > in.length || (long) rows * cols > out.length)
            throw new IllegalArgumentException("transpose [" + rows + ", " + cols + "]: in has " + in.length
                    + " and out " + out.length + " elements");
        int grain = Math.max(L, Activations.GRAIN / Math.max(1, cols) / L * L);   // whole gathers, and enough work a chunk
        par.forChunks(rows, grain, (i0, i1) -> columns(in, i0 * cols, cols, i1 - i0, cols, out, i0, rows));
    }

    /**
     * dst[dOff + c·ld + j] = src[off + j·stride + c] for j < rows, c < cols: rows of {@code cols}
     * floats, {@code stride} apart, written as the columns of a [cols, ld] block.
     */
    static void columns(float[] src, int off, int stride, int rows, int cols, float[] dst, int dOff, int ld) {
        int[] at = new int[rows];
        for (int j = 0; j < rows; j++) at[j] = off + j * stride;
        columns(src, at, 0, rows, cols, dst, dOff, ld);
    }

    /** As above with row j at src[at[from + j] ..]: rows anywhere (the tokens of a window cut from a grid). */
    static void columns(float[] src, int[] at, int from, int rows, int cols, float[] dst, int dOff, int ld) {
        int full = rows - rows % L;
        for (int c0 = 0; c0 < cols; c0 += STRIP) {
            int c1 = Math.min(cols, c0 + STRIP);
            for (int j = 0; j < full; j += L)
                for (int c = c0; c < c1; c++) FloatVector.fromArray(S, src, c, at, from + j).intoArray(dst, dOff + c * ld + j);
        }
        for (int j = full; j < rows; j++)
            for (int c = 0; c < cols; c++) dst[dOff + c * ld + j] = src[at[from + j] + c];
    }
}
