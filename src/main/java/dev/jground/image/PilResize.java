package dev.jground.image;

import java.util.function.DoubleUnaryOperator;

/**
 * Pillow's {@code Image.resize} on 8-bit images, bit for bit (libImaging/Resample.c): a
 * separable convolution whose support grows with the downscale factor (antialiasing), weights
 * normalised then rounded to 22-bit fixed point, the horizontal pass first into an 8-bit
 * image over only the rows the vertical pass reads, each output rounded and clamped.
 */
public final class PilResize {
    private PilResize() {}

    /** A Pillow filter: its kernel and support at scale 1. */
    public enum Filter {
        BILINEAR(1.0, x -> { x = Math.abs(x); return x < 1 ? 1 - x : 0; }),
        // Keys' cubic with a = -0.5, as Pillow (PyTorch's bicubic uses a = -0.75)
        BICUBIC(2.0, x -> {
            double a = -0.5;
            x = Math.abs(x);
            if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
            if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
            return 0;
        });

        final double support;
        final DoubleUnaryOperator kernel;

        Filter(double support, DoubleUnaryOperator kernel) { this.support = support; this.kernel = kernel; }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** For each output index: the first input index, the tap count, and the fixed-point weights. */
    private record Coefficients(int[] first, int[] count, int[] weights, int taps) {}

    private static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize], count = new int[outSize], weights = new int[outSize * taps];
        double[] w = new double[taps];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double sum = 0;
            for (int x = 0; x < xmax; x++) {
                w[x] = filter.kernel.applyAsDouble((x + xmin - center + 0.5) / filterScale);
                sum += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = sum != 0 ? w[x] / sum : w[x];
                // C's (int) cast truncates; Pillow adds +-0.5 first to round half away from zero
                weights[o * taps + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            first[o] = xmin;
            count[o] = xmax;
        }
        return new Coefficients(first, count, weights, taps);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("resize to " + width + "x" + height);
        boolean horizontal = width != in.width(), vertical = height != in.height();
        Coefficients v = coefficients(in.height(), height, filter);
        // rows the vertical pass reads; the horizontal pass makes only these
        int rowFirst = vertical ? v.first()[0] : 0;
        int rowLast = vertical ? v.first()[height - 1] + v.count()[height - 1] : in.height();
        RgbImage mid = in;
        if (horizontal) mid = horizontalPass(in, rowFirst, rowLast, coefficients(in.width(), width, filter));
        else if (rowFirst != 0 || rowLast != in.height()) mid = in.crop(0, rowFirst, in.width(), rowLast - rowFirst);
        return vertical ? verticalPass(mid, rowFirst, v) : mid;
    }

    private static RgbImage horizontalPass(RgbImage in, int rowFirst, int rowLast, Coefficients k) {
        int w = k.first().length, h = rowLast - rowFirst, inW = in.width();
        byte[] src = in.pixels(), out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            int row = (y + rowFirst) * inW * 3;
            for (int x = 0; x < w; x++) {
                int first = k.first()[x], n = k.count()[x], base = x * k.taps();
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int t = 0; t < n; t++) acc += (src[row + (first + t) * 3 + c] & 0xFF) * k.weights()[base + t];
                    out[(y * w + x) * 3 + c] = (byte) clip8(acc);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage verticalPass(RgbImage in, int rowOffset, Coefficients k) {
        int w = in.width(), h = k.first().length;
        byte[] src = in.pixels(), out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            int first = k.first()[y] - rowOffset, n = k.count()[y], base = y * k.taps();
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int t = 0; t < n; t++) acc += (src[((first + t) * w + x) * 3 + c] & 0xFF) * k.weights()[base + t];
                    out[(y * w + x) * 3 + c] = (byte) clip8(acc);
                }
        }
        return new RgbImage(w, h, out);
    }
}
