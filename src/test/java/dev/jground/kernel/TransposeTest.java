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

    @Test void rejectsArraysTooSmall() {
        assertThrows(IllegalArgumentException.class, () -> Transpose.transpose(new float[5], 2, 3, new float[6], Parallel.SERIAL));
    }
}
