package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class ElementwiseTest {
    private static final Parallel PAR = Parallel.of(3);

    /** [rows, d] shapes from one element to more than three grains, so every split and tail is met. */
    private static final int[][] SHAPES = {{1, 1}, {1, 7}, {7, 1}, {3, 33}, {33, 257}, {2, 1031}, {5, 3 * Activations.GRAIN / 5 + 3},
            {3 * Activations.GRAIN + 1, 1}};

    @Test
    void addAndMulOfTheSameShapeRoundOncePerElement() {
        Random r = new Random(1);
        for (int[] s : SHAPES) {
            int n = s[0] * s[1];
            float[] a = gaussian(r, n, 3, 0), b = gaussian(r, n, 3, 0), sum = new float[n], product = new float[n];
            Elementwise.add(a, b, false, sum, s[0], s[1], PAR);
            Elementwise.mul(a, b, false, product, s[0], s[1], PAR);
            for (int i = 0; i < n; i++) {
                assertEquals((float) ((double) a[i] + b[i]), sum[i], "add " + s[0] + "x" + s[1] + " at " + i);
                assertEquals((float) ((double) a[i] * b[i]), product[i], "mul " + s[0] + "x" + s[1] + " at " + i);
            }
        }
    }

    @Test
    void aRowIsBroadcastOverEveryRow() {
        Random r = new Random(2);
        for (int[] s : SHAPES) {
            int n = s[0] * s[1], d = s[1];
            float[] a = gaussian(r, n, 3, 0), row = gaussian(r, d, 3, 0), sum = new float[n], product = new float[n];
            Elementwise.add(a, row, true, sum, s[0], d, PAR);
            Elementwise.mul(a, row, true, product, s[0], d, PAR);
            for (int i = 0; i < n; i++) {
                assertEquals((float) ((double) a[i] + row[i % d]), sum[i], "add row " + s[0] + "x" + d + " at " + i);
                assertEquals((float) ((double) a[i] * row[i % d]), product[i], "mul row " + s[0] + "x" + d + " at " + i);
            }
            Elementwise.add(a, row, true, a, s[0], d, PAR);   // in place
            assertArrayEquals(sum, a);
        }
    }

    @Test
    void scaleMultipliesEveryElement() {
        Random r = new Random(3);
        for (int[] s : SHAPES) {
            int n = s[0] * s[1];
            float[] a = gaussian(r, n, 3, 0), out = new float[n];
            Elementwise.scale(a, -0.3f, out, n, PAR);
            for (int i = 0; i < n; i++) assertEquals((float) ((double) a[i] * -0.3f), out[i], "scale n=" + n + " at " + i);
        }
    }

    /** The scalar twin is torch.clamp's definition; NaN must survive, as torch keeps it. */
    @Test
    void clampLimitsEveryElementAndKeepsNaN() {
        Random r = new Random(4);
        for (int[] s : SHAPES) {
            int n = s[0] * s[1];
            float[] a = gaussian(r, n, 40, 0), out = new float[n];
            a[n / 2] = Float.NaN;
            Elementwise.clamp(a, -30f, 20f, out, n, PAR);
            for (int i = 0; i < n; i++) {
                float want = Float.isNaN(a[i]) ? Float.NaN : a[i] < -30f ? -30f : a[i] > 20f ? 20f : a[i];
                assertEquals(want, out[i], "clamp n=" + n + " at " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Elementwise.clamp(new float[3], 1f, 0f, new float[3], 3, PAR));
    }

    @Test
    void shortArraysAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Elementwise.add(new float[6], new float[2], true, new float[6], 2, 3, PAR));
        assertTrue(e.getMessage().startsWith("add: [2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Elementwise.mul(new float[6], new float[5], false, new float[6], 2, 3, PAR));
        assertThrows(IllegalArgumentException.class, () -> Elementwise.scale(new float[6], 2f, new float[5], 6, PAR));
    }
}
