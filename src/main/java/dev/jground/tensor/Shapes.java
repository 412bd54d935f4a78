package dev.jground.tensor;

import java.util.Arrays;

/** Small helpers for shapes, which are plain {@code int[]} (row-major, no strides). */
public final class Shapes {
    private Shapes() {}

    public static long numel(int... shape) {
        long n = 1;
        for (int d : shape) n = Math.multiplyExact(n, (long) d);
        return n;
    }

    /** {@code [4096, 11008]}, the way error messages print a shape. */
    public static String str(int... shape) { return Arrays.toString(shape); }

    /** The product of all but the last dimension: the row count of a [.., D] tensor. */
    public static int rows(int... shape) {
        return Math.toIntExact(numel(shape) / (shape.length == 0 ? 1 : shape[shape.length - 1]));
    }

    public static int last(int... shape) { return shape.length == 0 ? 1 : shape[shape.length - 1]; }
}
