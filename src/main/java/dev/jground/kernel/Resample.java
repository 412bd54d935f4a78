package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * PyTorch's upsample_nearest2d, upsample_bilinear2d and upsample_bicubic2d (no antialias) on
 * x [C, H, W] -> out [C, outH, outW], with the CPU kernels' float32 index arithmetic
 * (ATen UpSample.h: area_pixel_compute_scale / _source_index, guard_index_and_lambda).
 * Source indices and weights are computed once per output row and column; each output is
 * the weighted sum over height of the weighted sums over width, in PyTorch's order.
 */
public final class Resample {
    private Resample() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** mode='nearest': src = min(floor(dst · (in / out)), in - 1), the scale in float. */
    public static void nearest(float[] x, int channels, int h, int w, int outH, int outW, float[] out) {
        check("nearest", x, channels, h, w, outH, outW, out);
        int[] ys = nearestIndex(h, outH), xs = nearestIndex(w, outW);
        for (int c = 0; c < channels; c++) {
            int in = c * h * w, o = c * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                int row = in + ys[oy] * w;
                for (int ox = 0; ox < outW; ox++) out[o++] = x[row + xs[ox]];
            }
        }
    }

    static int[] nearestIndex(int in, int out) {
        float scale = (float) in / out;
        int[] idx = new int[out];
        for (int i = 0; i < out; i++) idx[i] = Math.min((int) Math.floor(i * scale), in - 1);
        return idx;
    }

    /** mode='bilinear': two taps per axis, the source index clamped at 0 (align_corners=False). */
    public static void bilinear(float[] x, int channels, int h, int w, int outH, int outW, boolean alignCorners, float[] out) {
        bilinear(x, channels, h, w, outH, outW, alignCorners, out, Parallel.SERIAL);
    }

    /** As above on {@code par}'s threads. */
    public static void bilinear(float[] x, int channels, int h, int w, int outH, int outW, boolean alignCorners, float[] out,
                                Parallel par) {
        check("bilinear", x, channels, h, w, outH, outW, out);
        separable(x, channels, h, w, outH, outW, out, taps(h, outH, alignCorners, false), taps(w, outW, alignCorners, false), par);
    }

    /** mode='bicubic' (A = -0.75): four taps per axis, the source index unclamped, taps clamped to the border. */
    public static void bicubic(float[] x, int channels, int h, int w, int outH, int outW, boolean alignCorners, float[] out) {
        bicubic(x, channels, h, w, outH, outW, alignCorners, out, Parallel.SERIAL);
    }

    /** As above on {@code par}'s threads. */
    public static void bicubic(float[] x, int channels, int h, int w, int outH, int outW, boolean alignCorners, float[] out,
                               Parallel par) {
        check("bicubic", x, channels, h, w, outH, outW, out);
        separable(x, channels, h, w, outH, outW, out, taps(h, outH, alignCorners, true), taps(w, outW, alignCorners, true), par);
    }

    /**
     * The [cropH, cropW] window at (top, left) of a one-channel bicubic resize of x [h, w] to
     * [outH, outW], without computing the rest: every value is the one {@link #bicubic} gives there.
     */
    public static void bicubicCrop(float[] x, int h, int w, int outH, int outW, int top, int left, int cropH, int cropW, float[] out) {
        check("bicubic", x, 1, h, w, cropH, cropW, out);
        if (top < 0 || left < 0 || top + cropH > outH || left + cropW > outW)
            throw new IllegalArgumentException("bicubic: a " + cropH + "×" + cropW + " crop at (" + top + ", " + left
                    + ") leaves the " + outH + "×" + outW + " output");
        window(x, 1, h, w, taps(h, outH, false, true), taps(w, outW, false, true), top, cropH, left, cropW, out, Parallel.SERIAL);
    }

    /** Per output index: n source indices and weights, flattened [out, n]. */
    record Taps(int n, int[] index, float[] weight) {}

    static Taps taps(int in, int out, boolean alignCorners, boolean cubic) {
        float scale = alignCorners ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f) : (float) in / out;
        int n = cubic ? 4 : 2;
        int[] index = new int[out * n];
        float[] weight = new float[out * n];
        for (int i = 0; i < out; i++) {
            float src = alignCorners ? scale * i : scale * (i + 0.5f) - 0.5f;
            if (!cubic && src < 0) src = 0f;
            // guard_index_and_lambda
            int i0 = Math.min((int) Math.floor(src), in - 1);
            float t = Math.min(Math.max(src - i0, 0f), 1f);
            if (cubic) {
                cubicCoefficients(t, weight, i * 4);
                for (int j = 0; j < 4; j++) index[i * 4 + j] = Math.clamp(i0 - 1 + j, 0, in - 1);
            } else if (in == out) {   // PyTorch copies when the size is unchanged
                index[i * 2] = i; index[i * 2 + 1] = i;
                weight[i * 2] = 1f; weight[i * 2 + 1] = 0f;
            } else {
                index[i * 2] = i0;
                index[i * 2 + 1] = i0 < in - 1 ? i0 + 1 : i0;
                weight[i * 2] = 1f - t;
                weight[i * 2 + 1] = t;
            }
        }
        return new Taps(n, index, weight);
    }

    // Keys' cubic convolution with A = -0.75, as ATen's get_cubic_upsample_coefficients
    private static void cubicCoefficients(float t, float[] c, int off) {
        final float a = -0.75f;
        float x1 = t, x2 = 1f - t;
        c[off] = convolution2(x1 + 1f, a);
        c[off + 1] = convolution1(x1, a);
        c[off + 2] = convolution1(x2, a);
        c[off + 3] = convolution2(x2 + 1f, a);
    }

    private static float convolution1(float x, float a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }

    private static float convolution2(float x, float a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }

    /** Every channel's whole output; an unchanged size is a copy, as in PyTorch. */
    private static void separable(float[] x, int channels, int h, int w, int outH, int outW, float[] out, Taps ty, Taps tx,
                                  Parallel par) {
        if (h == outH && w == outW) System.arraycopy(x, 0, out, 0, channels * h * w);
        else window(x, channels, h, w, ty, tx, 0, outH, 0, outW, out, par);
    }

    /**
     * Output rows [oy0, oy0 + rows) and columns [ox0, ox0 + cols) of every channel, into out
     * [channels, rows, cols]. Each input row a tap reads is interpolated across the width once
     * (the inner sums), then output rows combine them, a vector of columns at a time; the
     * arithmetic and its order are those of the direct double loop, so the results are too.
     * Rows of both passes are shared out over par's threads.
     */
    private static void window(float[] x, int channels, int h, int w, Taps ty, Taps tx, int oy0, int rows, int ox0, int cols,
                               float[] out, Parallel par) {
        int ny = ty.n, nx = tx.n, grain = Math.max(1, Activations.GRAIN / cols);
        float[] inner = new float[channels * h * cols];
        boolean[] needed = new boolean[h];
        for (int oy = oy0; oy < oy0 + rows; oy++) for (int a = 0; a < ny; a++) needed[ty.index[oy * ny + a]] = true;
        par.forChunks(channels * h, grain, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (!needed[r % h]) continue;
                int row = r * w, o = r * cols;
                for (int j = 0; j < cols; j++) {
                    int t = (ox0 + j) * nx;
                    float v = x[row + tx.index[t]] * tx.weight[t];
                    for (int b = 1; b < nx; b++) v += x[row + tx.index[t + b]] * tx.weight[t + b];
                    inner[o + j] = v;
                }
            }
        });
        par.forChunks(channels * rows, grain, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r / rows, oy = oy0 + r % rows, o = r * cols, j = 0;
                for (int end = S.loopBound(cols); j < end; j += S.length()) {
                    FloatVector sum = FloatVector.zero(S);
                    for (int a = 0; a < ny; a++)
                        sum = sum.add(FloatVector.fromArray(S, inner, (c * h + ty.index[oy * ny + a]) * cols + j).mul(ty.weight[oy * ny + a]));
                    sum.intoArray(out, o + j);
                }
                for (; j < cols; j++) {
                    float sum = 0f;
                    for (int a = 0; a < ny; a++) sum += inner[(c * h + ty.index[oy * ny + a]) * cols + j] * ty.weight[oy * ny + a];
                    out[o + j] = sum;
                }
            }
        });
    }

    private static void check(String op, float[] x, int channels, int h, int w, int outH, int outW, float[] out) {
        if (channels < 1 || h < 1 || w < 1 || outH < 1 || outW < 1)
            throw new IllegalArgumentException(op + ": sizes must be positive, got C=" + channels + " in " + h + "×" + w + " out " + outH + "×" + outW);
        if (x.length < (long) channels * h * w)
            throw new IllegalArgumentException(op + ": x has " + x.length + " elements, need [" + channels + ", " + h + ", " + w + "]");
        if (out.length < (long) channels * outH * outW)
            throw new IllegalArgumentException(op + ": out has " + out.length + " elements, need [" + channels + ", " + outH + ", " + outW + "]");
    }
}
