package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class SoftmaxTest {

    /** The scalar twin, in double. */
    static double[] softmax(float[] x, int rows, int cols) {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
            for (int c = 0; c < cols; c++) sum += y[r * cols + c] = Math.exp(x[r * cols + c] - max);
            for (int c = 0; c < cols; c++) y[r * cols + c] /= sum;
        }
        return y;
    }

    @Test
    void matchesDoubleTwinOnOddSizes() {
        Random r = new Random(1);
        for (int cols : SIZES) {
            int rows = 3;
            float[] x = gaussian(r, rows * cols, 4, 0);
            double[] want = softmax(x, rows, cols);
            Softmax.rows(x, rows, cols);
            // exp is within an ulp or two (SVML), x - max is exact to half an ulp of |x - max| <= ~30,
            // and the float lane sums of <= 1031 terms add a few 1e-7 relative: 2e-6 relative is ample
            assertClose("softmax cols=" + cols, want, x, 1e-12, 2e-6);
            for (int row = 0; row < rows; row++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += x[row * cols + c];
                assertEquals(1.0, s, 2e-6, "row sum, cols=" + cols);
            }
        }
    }

    @Test
    void largeLogitsDoNotOverflow() {
        float[] x = {1000f, 999f, -1000f};
        Softmax.rows(x, 1, 3);
        double e = Math.exp(-1);
        assertEquals(1 / (1 + e), x[0], 1e-7);
        assertEquals(e / (1 + e), x[1], 1e-7);
        assertEquals(0f, x[2]);
    }

    @Test
    void minusInfinityEntriesGetZeroAndAllMinusInfinityRowIsNaNLikePyTorch() {
        float ninf = Float.NEGATIVE_INFINITY;
        float[] x = {0f, ninf, 0f, ninf, ninf, ninf};
        Softmax.rows(x, 2, 3);
        assertArrayEquals(new float[]{0.5f, 0f, 0.5f}, java.util.Arrays.copyOf(x, 3));
        for (int i = 3; i < 6; i++) assertTrue(Float.isNaN(x[i]), "all -inf row gives NaN, as torch.softmax does");
    }

    @Test
    void rejectsTooSmallArray() {
        var e = assertThrows(IllegalArgumentException.class, () -> Softmax.rows(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("softmax"), e.getMessage());
    }
}
