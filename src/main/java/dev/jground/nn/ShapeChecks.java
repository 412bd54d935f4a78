package dev.jground.nn;

import dev.jground.kernel.Regions;
import dev.jground.tensor.Shapes;

import java.util.Arrays;

/**
 * The shape rules of the structural ops, shared by every backend so that the CPU and OpenCL
 * accept and refuse exactly the same calls. Each returns what the op needs (an output shape,
 * a derived size) or throws one line naming the op and the shapes.
 */
final class ShapeChecks {
    private ShapeChecks() {}

    static void reshape(int[] from, int[] to) {
        if (Shapes.numel(from) != Shapes.numel(to))
            throw new IllegalArgumentException("reshape: " + Shapes.str(from) + " has " + Shapes.numel(from)
                    + " elements, " + Shapes.str(to) + " needs " + Shapes.numel(to));
    }

    /** src's rows written into dst from row {@code at}: returns the row width. */
    static int writeRows(int[] dst, int at, int[] src) {
        int row = Shapes.last(dst);
        if (Shapes.last(src) != row || at < 0 || (long) at + Shapes.rows(src) > Shapes.rows(dst))
            throw new IllegalArgumentException("writeRows: " + Shapes.str(src) + " does not fit " + Shapes.str(dst) + " from row " + at);
        return row;
    }

    static void transpose(int[] shape, int rows, int cols) {
        if ((long) rows * cols != Shapes.numel(shape))
            throw new IllegalArgumentException("transpose: " + Shapes.str(shape) + " is not a [" + rows + ", " + cols + "] matrix");
    }

    /** The shape of the parts stacked along the first dimension. */
    static int[] concat(int[]... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat: nothing to concatenate");
        int[] shape = parts[0].clone();
        int first = 0;
        for (int[] s : parts) {
            if (s.length == 0 || s.length != shape.length || !Arrays.equals(s, 1, s.length, shape, 1, shape.length))
                throw new IllegalArgumentException("concat: " + Shapes.str(s) + " does not stack onto " + Shapes.str(shape));
            first += s[0];
        }
        shape[0] = first;
        return shape;
    }

    /** The shape of rows [from, to). */
    static int[] slice(int[] shape, int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to)
            throw new IllegalArgumentException("slice: rows [" + from + ", " + to + ") of " + Shapes.str(shape));
        int[] out = shape.clone();
        out[0] = to - from;
        return out;
    }

    /** For add and mul: false when b has a's shape, true when b is one row [D] broadcast over a [.., D]. */
    static boolean broadcastsRow(String op, int[] a, int[] b) {
        if (Arrays.equals(a, b)) return false;
        if (b.length == 1 && a.length > 0 && b[0] == Shapes.last(a)) return true;
        throw new IllegalArgumentException(op + ": b " + Shapes.str(b) + " is neither a's shape " + Shapes.str(a)
                + " nor one row [" + Shapes.last(a) + "]");
    }

    /** The windows of an [H, W, C] grid: [nh * nw, window², C]. */
    static int[] windowPartition(int[] shape, int window) {
        if (shape.length != 3 || window < 1)
            throw new IllegalArgumentException("window partition: " + Shapes.str(shape) + " is not [H, W, C] or window " + window + " < 1");
        return new int[] {Regions.windows(shape[0], window) * Regions.windows(shape[1], window), window * window, shape[2]};
    }

    static void windowUnpartition(int[] shape, int window, int h, int w) {
        if (shape.length != 3 || window < 1 || h < 1 || w < 1 || shape[1] != window * window
                || shape[0] != Regions.windows(h, window) * Regions.windows(w, window))
            throw new IllegalArgumentException("window unpartition: " + Shapes.str(shape) + " is not the windows of " + window
                    + " of a " + h + "x" + w + " grid");
    }

    static void crop(int[] shape, int top, int left, int height, int width) {
        if (shape.length != 3) throw new IllegalArgumentException("crop: " + Shapes.str(shape) + " is not [C, H, W]");
        if (shape[0] < 1 || height < 1 || width < 1 || top < 0 || left < 0 || top + height > shape[1] || left + width > shape[2])
            throw new IllegalArgumentException("crop: " + height + "x" + width + " at (" + top + ", " + left + ") of a "
                    + shape[1] + "x" + shape[2] + " map with " + shape[0] + " channels");
    }

    /** qkv [h, w, 3 * heads * d] cut into size x size windows: returns the head size d. */
    static int relPosAttention(int[] qkv, int heads, int size) {
        int width = qkv.length == 0 ? 0 : qkv[qkv.length - 1];
        if (qkv.length != 3 || size < 1 || heads < 1 || width % (3 * heads) != 0)
            throw new IllegalArgumentException("rel-pos attention: qkv " + Shapes.str(qkv) + " is not [h, w, 3 * " + heads
                    + " heads * d], or window " + size + " < 1");
        return width / (3 * heads);
    }


    /**
     * Backend.attention's rules for q [.., H*d] and k, v [>= keys, Hkv*d] (k and v alike), and a
     * probability buffer of at least [H, Tq, keys]: returns the head size d.
     */
    static int attention(int[] q, int[] k, int[] v, int keys, int heads, int kvHeads, boolean causal, float[] probs) {
        int width = Shapes.last(q), tq = Shapes.rows(q);
        if (tq < 1 || keys < 1 || keys > Shapes.rows(k))
            throw new IllegalArgumentException("attention: " + tq + " queries, " + keys + " keys asked of " + Shapes.str(k));
        if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0 || width % heads != 0)
            throw new IllegalArgumentException("attention: " + heads + " heads, " + kvHeads + " kv heads, width " + width);
        int headDim = width / heads;
        if (Shapes.last(k) != kvHeads * headDim || !Arrays.equals(k, v))
            throw new IllegalArgumentException("attention: q " + Shapes.str(q) + ", k " + Shapes.str(k) + ", v " + Shapes.str(v)
                    + " do not fit " + heads + "/" + kvHeads + " heads of " + headDim);
        if (causal && tq > keys)
            throw new IllegalArgumentException("attention: causal with " + tq + " queries but only " + keys + " keys");
        if (probs != null && probs.length < (long) heads * tq * keys)
            throw new IllegalArgumentException("attention: probability buffer holds " + probs.length + ", needs " + (long) heads * tq * keys);
        return headDim;
    }
}
