package dev.jground.kernel;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/** Random inputs and element-wise comparison with a tolerance of the form abs + rel·|want|. */
final class TestArrays {
    private TestArrays() {}

    /** Sizes the kernels must handle: tiny, odd, and not multiples of any vector length. */
    static final int[] SIZES = {1, 3, 7, 33, 257, 1000, 1031};

    static float[] gaussian(Random r, int n, double scale, double offset) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (offset + scale * r.nextGaussian());
        return a;
    }

    static void assertClose(String what, double[] want, float[] got, double abs, double rel) {
        assertClose(what, want, got, 0, want.length, abs, rel);
    }

    static void assertClose(String what, double[] want, float[] got, int off, int n, double abs, double rel) {
        for (int i = off; i < off + n; i++) {
            double err = Math.abs(got[i] - want[i]);
            if (!(err <= abs + rel * Math.abs(want[i])))
                fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + " (error " + err + ")");
        }
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
