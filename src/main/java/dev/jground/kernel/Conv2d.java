package dev.jground.kernel;

/**
 * PyTorch Conv2d (zero padding on all sides, no dilation, groups 1) as im2col + matmul:
 * the patches of a band of output positions become rows [positions, C·kh·kw] (column order
 * c, ky, kx, the order of a weight [O, C, kh, kw] read as [O, C·kh·kw]), Matmul multiplies
 * them by the weights, and the result [positions, O] is transposed into out [O, H'·W'].
 * Bands bound the im2col buffer (a 3×3 conv over 128 × 512 × 512 would need 1.2 GB at once).
 */
public final class Conv2d {
    private Conv2d() {}

    /** Floats per band buffer (16 MB each for the patches and the product); a band holds at least one position. */
    private static final int BAND_FLOATS = 4 << 20;

    /** PyTorch's output length: (in + 2·padding - kernel) / stride + 1. */
    public static int outSize(int in, int kernel, int stride, int padding) {
        if (stride < 1 || padding < 0 || kernel < 1)
            throw new IllegalArgumentException("conv2d: kernel " + kernel + ", stride " + stride + ", padding " + padding + " are not valid");
        int span = in + 2 * padding - kernel;
        if (in < 1 || span < 0)
            throw new IllegalArgumentException("conv2d: input size " + in + " with padding " + padding + " is smaller than kernel " + kernel);
        return span / stride + 1;
    }

    /** x [C, H, W], weight [O, C·kh·kw] (any stored dtype), bias [O] or null, out [O, H', W']. */
    public static void conv2d(float[] x, int channels, int height, int width, WeightMatrix weight, int kernelH, int kernelW,
                              float[] bias, int stride, int padding, float[] out, Parallel par) {
        conv2d(x, channels, height, width, weight, kernelH, kernelW, bias, stride, padding, out, par, BAND_FLOATS);
    }

    /** As above with the band buffer size given (tests use small bands to cover the seams). */
    static void conv2d(float[] x, int channels, int height, int width, WeightMatrix weight, int kernelH, int kernelW,
                       float[] bias, int stride, int padding, float[] out, Parallel par, int bandFloats) {
        int outH = outSize(height, kernelH, stride, padding), outW = outSize(width, kernelW, stride, padding);
        int k = channels * kernelH * kernelW, o = weight.rows();
        if (weight.cols() != k)
            throw new IllegalArgumentException("conv2d: weight is [" + o + ", " + weight.cols() + "] but " + channels + " channels × "
                    + kernelH + "×" + kernelW + " kernel need " + k + " columns");
        if (x.length < (long) channels * height * width)
            throw new IllegalArgumentException("conv2d: x has " + x.length + " elements, need [" + channels + ", " + height + ", " + width + "]");
        if (bias != null && bias.length != o)
            throw new IllegalArgumentException("conv2d: bias has " + bias.length + " elements, weight has " + o + " output channels");
        long positions = (long) outH * outW;
        if (out.length < o * positions)
            throw new IllegalArgumentException("conv2d: out has " + out.length + " elements, need [" + o + ", " + outH + ", " + outW + "]");

        int band = (int) Math.max(1, Math.min(positions, bandFloats / Math.max(k, o)));
        float[] cols = new float[band * k], y = new float[band * o];
        Geometry g = new Geometry(channels, height, width, kernelH, kernelW, stride, padding, outW);
        for (int p0 = 0; p0 < positions; p0 += band) {
            int rows = (int) Math.min(band, positions - p0), first = p0;
            par.forRange(rows, (s, e) -> im2col(x, g, first + s, first + e, cols, s * k));
            Matmul.matmul(cols, rows, weight, bias, y, par);
            par.forRange(o, (s, e) -> {
                for (int c = s; c < e; c++)
                    for (int r = 0; r < rows; r++) out[(int) (c * positions) + first + r] = y[r * o + c];
            });
        }
    }

    private record Geometry(int channels, int height, int width, int kh, int kw, int stride, int padding, int outW) {}

    /** Rows for output positions [p0, p1) into cols from index off, one row of C·kh·kw per position. */
    private static void im2col(float[] x, Geometry g, int p0, int p1, float[] cols, int off) {
        int plane = g.height * g.width, i = off;
        if (g.kh == 1 && g.kw == 1 && g.stride == 1 && g.padding == 0) {   // a 1×1 conv only transposes
            for (int p = p0; p < p1; p++)
                for (int c = 0; c < g.channels; c++) cols[i++] = x[c * plane + p];
            return;
        }
        for (int p = p0; p < p1; p++) {
            int y0 = (p / g.outW) * g.stride - g.padding, x0 = (p % g.outW) * g.stride - g.padding;
            for (int c = 0; c < g.channels; c++) {
                for (int ky = 0; ky < g.kh; ky++) {
                    int iy = y0 + ky;
                    if (iy < 0 || iy >= g.height) {
                        for (int kx = 0; kx < g.kw; kx++) cols[i++] = 0f;
                        continue;
                    }
                    int row = c * plane + iy * g.width;
                    for (int kx = 0; kx < g.kw; kx++) {
                        int ix = x0 + kx;
                        cols[i++] = ix < 0 || ix >= g.width ? 0f : x[row + ix];
                    }
                }
            }
        }
    }
}
