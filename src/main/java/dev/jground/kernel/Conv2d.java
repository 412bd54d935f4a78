package dev.jground.kernel;

/**
 * PyTorch Conv2d (zero padding on all sides, no dilation, groups 1) as unfold + matmul: the
 * patches of a band of output positions are unfolded channels-first, [C·kh·kw, positions]
 * (row order c, ky, kx, the order of a weight [O, C, kh, kw] read as [O, C·kh·kw]), and
 * {@link Matmul#matmulColumns} multiplies the weights by them into [O, positions], which is
 * out's own layout. A 1×1 conv with stride 1 is the map itself, with nothing unfolded. Bands
 * bound the unfold buffer (a 3×3 conv over 128 × 512 × 512 would need 1.2 GB at once).
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

        if (kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0) {
            Matmul.matmulColumns(x, (int) positions, weight, bias, out, par);
            return;
        }
        int band = (int) Math.max(1, Math.min(positions, bandFloats / Math.max(k, o)));
        float[] cols = new float[band * k], y = band == positions ? out : new float[band * o];
        Geometry g = new Geometry(channels, height, width, kernelH, kernelW, stride, padding, outW);
        for (int p0 = 0; p0 < positions; p0 += band) {
            int n = (int) Math.min(band, positions - p0), first = p0;
            par.forChunks(k, Math.max(1, Activations.GRAIN / n), (r0, r1) -> { for (int r = r0; r < r1; r++) unfold(x, g, r, first, n, cols, r * n); });
            Matmul.matmulColumns(cols, n, weight, bias, y, par);
            if (y != out)
                for (int c = 0; c < o; c++) System.arraycopy(y, c * n, out, (int) (c * positions) + first, n);
        }
    }

    private record Geometry(int channels, int height, int width, int kh, int kw, int stride, int padding, int outW) {}

    /**
     * Row r = (c, ky, kx) of the unfolded patches for output positions [p0, p0 + n), into cols from off:
     * a run of output columns per output row, the columns whose input falls in the map found once per
     * run (a copy at stride 1), zeros on either side.
     */
    private static void unfold(float[] x, Geometry g, int r, int p0, int n, float[] cols, int off) {
        int c = r / (g.kh * g.kw), ky = r / g.kw % g.kh, kx = r % g.kw, plane = c * g.height * g.width, s = g.stride;
        // output columns ox with 0 <= ox·s - padding + kx < width
        int first = Math.max(0, Math.floorDiv(g.padding - kx + s - 1, s)), end = Math.min(g.outW, Math.floorDiv(g.width - 1 + g.padding - kx, s) + 1);
        for (int p = p0; p < p0 + n; ) {
            int oy = p / g.outW, ox0 = p % g.outW, ox1 = Math.min(g.outW, ox0 + p0 + n - p), at = off + p - p0;
            int iy = oy * s - g.padding + ky, lo = Math.clamp(first, ox0, ox1), hi = Math.clamp(end, lo, ox1);
            if (iy < 0 || iy >= g.height) lo = hi = ox1;
            java.util.Arrays.fill(cols, at, at + lo - ox0, 0f);
            int src = plane + iy * g.width + lo * s - g.padding + kx;
            if (s == 1 && hi > lo) System.arraycopy(x, src, cols, at + lo - ox0, hi - lo);
            else for (int ox = lo, i = at + lo - ox0; ox < hi; ox++, i++, src += s) cols[i] = x[src];
            java.util.Arrays.fill(cols, at + hi - ox0, at + ox1 - ox0, 0f);
            p += ox1 - ox0;
        }
    }
}
