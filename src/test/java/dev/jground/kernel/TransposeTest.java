package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class TransposeTest {

    @Test void matchesTheElementwiseTwinOnOddShapes() {
        int[] sizes = {1, 3, 7, 33, 257, 1031};
        SplittableRandom r = new SplittableRandom(9);
        try (Parallel two = Parallel.of(2)) {
            for (int rows : sizes)
                for (int cols : sizes) {
                    if ((long) rows * cols > 300_000) continue;
                    float[] in = new float[rows * cols];
                    for (int i = 0; i < in.length; i++) in[i] = (float) r.nextDouble();
                    float[] out = new float[in.length];
                    Transpose.transpose(in, rows, cols, out, two);
                    for (int i = 0; i < rows; i++)
                        for (int j = 0; j < cols; j++) assertEquals(in[i * cols + j], out[j * rows + i], rows + "x" + cols);
                }
        }
    }

    /** A block of rows with a stride, read as columns into a wider block: the packing of keys and GEMM tiles. */
    @Test void columnsOfAStridedBlock() {
        SplittableRandom r = new SplittableRandom(10);
        for (int rows : new int[] {1, 7, 16, 33, 1031})
            for (int cols : new int[] {1, 7, 17, 64}) {
                int stride = cols + 5, off = 3, ld = rows + 2, dOff = 4;
                float[] src = new float[off + rows * stride], dst = new float[dOff + cols * ld];
                for (int i = 0; i < src.length; i++) src[i] = (float) r.nextDouble();
                java.util.Arrays.fill(dst, -1f);
                Transpose.columns(src, off, stride, rows, cols, dst, dOff, ld);
                for (int c = 0; c < cols; c++)
                    for (int j = 0; j < ld; j++)
                        assertEquals(j < rows ? src[off + j * stride + c] : -1f, dst[dOff + c * ld + j], rows + "x" + cols + " at " + c + ", " + j);
                for (int i = 0; i < dOff; i++) assertEquals(-1f, dst[i]);
            }
    }

    @Test void largeMatricesSplitOverThreads() {
        int rows = 4099, cols = 257;   // rows split in grains of whole gathers, and a ragged last gather
        float[] in = new float[rows * cols], out = new float[in.length];
        for (int i = 0; i < in.length; i++) in[i] = i;
        try (Parallel three = Parallel.of(3)) { Transpose.transpose(in, rows, cols, out, three); }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) assertEquals(in[i * cols + j], out[j * rows + i]);
    }

    @Test void rejectsArraysTooSmall() {
        assertThrows(IllegalArgumentException.class, () -> Transpose.transpose(new float[5], 2, 3, new float[6], Parallel.SERIAL));
    }
}
