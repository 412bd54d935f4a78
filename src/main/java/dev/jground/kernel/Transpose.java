package dev.jground.kernel;

/** out [cols, rows] = in [rows, cols] transposed, in square tiles so reads and writes both stay in cache. */
public final class Transpose {
    private Transpose() {}

    private static final int TILE = 32;

    public static void transpose(float[] in, int rows, int cols, float[] out, Parallel par) {
        if ((long) rows * cols > in.length || (long) rows * cols > out.length)
            throw new IllegalArgumentException("transpose [" + rows + ", " + cols + "]: in has " + in.length
                    + " and out " + out.length + " elements");
        int rowTiles = (rows + TILE - 1) / TILE;
        par.forRange(rowTiles, (t0, t1) -> {
            for (int i0 = t0 * TILE; i0 < Math.min(rows, t1 * TILE); i0 += TILE) {
                int i1 = Math.min(rows, i0 + TILE);
                for (int j0 = 0; j0 < cols; j0 += TILE) {
                    int j1 = Math.min(cols, j0 + TILE);
                    for (int i = i0; i < i1; i++)
                        for (int j = j0; j < j1; j++) out[j * rows + i] = in[i * cols + j];
                }
            }
        });
    }
}
