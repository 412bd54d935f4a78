package dev.jground.kernel;

import java.util.Arrays;

/**
 * Moving rectangular regions of feature maps: SAM's window partition of a channels-last token
 * grid (segment-anything image_encoder.py window_partition / window_unpartition), and the crop
 * and zero padding of a channels-first map. Pure copies, so each output element equals one
 * input element or 0.
 */
public final class Regions {
    private Regions() {}

    /** Windows per side of a grid of {@code size} tokens: ceil(size / window). */
    public static int windows(int size, int window) {
        if (window < 1) throw new IllegalArgumentException("window size " + window + " < 1");
        return (size + window - 1) / window;
    }

    /**
     * x [h, w, c] -> out [nh·nw, window², c]: the grid zero-padded at the bottom and right to
     * nh·window × nw·window, cut into windows row-major, tokens row-major inside each window.
     */
    public static void partition(float[] x, int h, int w, int c, int window, float[] out) {
        checkSizes("window partition", h, w, c, window);
        int nh = windows(h, window), nw = windows(w, window);
        need("window partition: x", x, (long) h * w * c);
        need("window partition: out", out, (long) nh * nw * window * window * c);
        int o = 0;
        for (int wy = 0; wy < nh; wy++)
            for (int wx = 0; wx < nw; wx++)
                for (int iy = 0; iy < window; iy++) {
                    int y = wy * window + iy;
                    for (int ix = 0; ix < window; ix++, o += c) {
                        int xx = wx * window + ix;
                        if (y < h && xx < w) System.arraycopy(x, (y * w + xx) * c, out, o, c);
                        else Arrays.fill(out, o, o + c, 0f);
                    }
                }
    }

    /** The inverse of {@link #partition}: windows [nh·nw, window², c] -> out [h, w, c], padding dropped. */
    public static void unpartition(float[] windows, int h, int w, int c, int window, float[] out) {
        checkSizes("window unpartition", h, w, c, window);
        int nh = windows(h, window), nw = windows(w, window);
        need("window unpartition: windows", windows, (long) nh * nw * window * window * c);
        need("window unpartition: out", out, (long) h * w * c);
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++) {
                int win = (y / window) * nw + xx / window, inside = (y % window) * window + xx % window;
                System.arraycopy(windows, (win * window * window + inside) * c, out, (y * w + xx) * c, c);
            }
    }

    /** x [c, h, w] -> out [c, height, width], the region whose top-left corner is (top, left). */
    public static void crop(float[] x, int c, int h, int w, int top, int left, int height, int width, float[] out) {
        crop(x, c, h, w, top, left, height, width, out, Parallel.SERIAL);
    }

    /** As above, rows shared out over par's threads. */
    public static void crop(float[] x, int c, int h, int w, int top, int left, int height, int width, float[] out, Parallel par) {
        if (c < 1 || height < 1 || width < 1 || top < 0 || left < 0 || top + height > h || left + width > w)
            throw new IllegalArgumentException("crop: " + height + "x" + width + " at (" + top + ", " + left + ") of a "
                    + h + "x" + w + " map with " + c + " channels");
        need("crop: x", x, (long) c * h * w);
        need("crop: out", out, (long) c * height * width);
        par.forChunks(c * height, Math.max(1, Activations.GRAIN / width), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {   // row r = (channel, row of the region)
                int ch = r / height, y = r % height;
                System.arraycopy(x, (ch * h + top + y) * w + left, out, r * width, width);
            }
        });
    }

    /**
     * x [c, h, w] zero-padded by top, bottom, left and right: out [c, h + top + bottom, w + left +
     * right] (torch.nn.functional.pad with (left, right, top, bottom)).
     */
    public static void pad(float[] x, int c, int h, int w, int top, int bottom, int left, int right, float[] out) {
        if (c < 1 || h < 1 || w < 1 || top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new IllegalArgumentException("pad: a " + h + "x" + w + " map with " + c + " channels by (top " + top + ", bottom "
                    + bottom + ", left " + left + ", right " + right + ")");
        int oh = h + top + bottom, ow = w + left + right;
        need("pad: x", x, (long) c * h * w);
        need("pad: out", out, (long) c * oh * ow);
        Arrays.fill(out, 0, c * oh * ow, 0f);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++) System.arraycopy(x, (ch * h + y) * w, out, (ch * oh + top + y) * ow + left, w);
    }

    private static void checkSizes(String op, int h, int w, int c, int window) {
        if (h < 1 || w < 1 || c < 1 || window < 1)
            throw new IllegalArgumentException(op + ": sizes must be positive, got " + h + "x" + w + "x" + c + " window " + window);
    }

    private static void need(String what, float[] a, long n) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " would need " + n + " elements");
        if (a.length < n) throw new IllegalArgumentException(what + " has " + a.length + " elements, needs " + n);
    }
}
