package dev.jground.nn;

import dev.jground.kernel.Conv2d;
import dev.jground.tensor.Shapes;

/**
 * The feature-map ops of {@link OpenClBackend} on x [C, H, W] (conv.cl, resample.cl, pad in
 * elementwise.cl), with {@link CpuBackend}'s semantics and rules. Weights and biases may be
 * F32, F16 or BF16; one work item per output element.
 */
final class ClMaps {
    private final ClContext ctx;

    ClMaps(ClContext ctx) { this.ctx = ctx; }

    ClTensor conv2d(ClTensor x, ClTensor w, ClTensor bias, int stride, int padding) {
        int[] xs = x.shape(), ws = w.shape();
        if (xs.length != 3 || ws.length != 4 || ws[1] != xs[0])
            throw new IllegalArgumentException("conv2d: input " + describe(x) + " does not fit weight " + describe(w) + " [O, C, kh, kw]");
        int o = ws[0], kh = ws[2], kw = ws[3];
        int oh = Conv2d.outSize(xs[1], kh, stride, padding), ow = Conv2d.outSize(xs[2], kw, stride, padding);
        checkBias("conv2d bias", bias, o);
        ClTensor y = ClTensor.allocate(ctx, new int[] {o, oh, ow});
        ctx.run(ctx.kernel("conv", "conv2d"), new long[] {(long) oh * ow, o}, null, y, x, x.dtypeCode(), w, w.dtypeCode(),
                bias == null ? w : bias, bias == null ? 0 : bias.dtypeCode(), bias == null ? 0 : 1,
                xs[0], xs[1], xs[2], kh, kw, stride, padding, oh, ow);
        return y;
    }

    ClTensor convTranspose2x2(ClTensor x, ClTensor w, ClTensor bias) {
        int[] xs = x.shape(), ws = w.shape();
        if (xs.length != 3 || ws.length != 4 || ws[0] != xs[0] || ws[2] != 2 || ws[3] != 2)
            throw new IllegalArgumentException("conv transpose: input " + describe(x) + " does not fit weight " + describe(w) + " [C, O, 2, 2]");
        int o = ws[1];
        checkBias("conv transpose bias", bias, o);
        ClTensor y = ClTensor.allocate(ctx, new int[] {o, 2 * xs[1], 2 * xs[2]});
        ctx.run(ctx.kernel("conv", "conv_transpose_2x2"), new long[] {y.numel()}, null, y, x, x.dtypeCode(), w, w.dtypeCode(),
                bias == null ? w : bias, bias == null ? 0 : bias.dtypeCode(), bias == null ? 0 : 1, xs[0], o, xs[1], xs[2]);
        return y;
    }

    /** mode='nearest' (Backend.upsampleNearest). */
    ClTensor upsampleNearest(ClTensor x, int outH, int outW) {
        int[] s = resizeShape(x, outH, outW);
        ClTensor y = ClTensor.allocate(ctx, new int[] {s[0], outH, outW});
        ctx.run(ctx.kernel("resample", "upsample_nearest"), new long[] {y.numel()}, null,
                y, x, x.dtypeCode(), s[1], s[2], outH, outW, (float) s[1] / outH, (float) s[2] / outW);
        return y;
    }

    /** mode='bilinear' or, when {@code cubic}, 'bicubic' (A = -0.75), as Backend.upsampleBilinear and resizeBicubic. */
    ClTensor resize(ClTensor x, int outH, int outW, boolean alignCorners, boolean cubic) {
        int[] s = resizeShape(x, outH, outW);
        ClTensor y = ClTensor.allocate(ctx, new int[] {s[0], outH, outW});
        ctx.run(ctx.kernel("resample", "resize"), new long[] {y.numel()}, null, y, x, x.dtypeCode(), s[1], s[2], outH, outW,
                scale(s[1], outH, alignCorners), scale(s[2], outW, alignCorners), alignCorners ? 1 : 0, cubic ? 1 : 0);
        return y;
    }

    /** ATen's area_pixel_compute_scale in float, as Resample's. */
    private static float scale(int in, int out, boolean alignCorners) {
        return alignCorners ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f) : (float) in / out;
    }

    private static int[] resizeShape(ClTensor x, int outH, int outW) {
        int[] s = x.shape();
        if (s.length != 3 || outH < 1 || outW < 1)
            throw new IllegalArgumentException("resize: input " + describe(x) + " to " + outH + "x" + outW);
        return s;
    }

    /** F.pad with zeros (Backend.pad). */
    ClTensor pad(ClTensor x, int top, int bottom, int left, int right) {
        int[] s = x.shape();
        if (s.length != 3) throw new IllegalArgumentException("pad: input " + describe(x) + " is not [C, H, W]");
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new IllegalArgumentException("pad: a " + s[1] + "x" + s[2] + " map by (top " + top + ", bottom " + bottom
                    + ", left " + left + ", right " + right + ")");
        int oh = s[1] + top + bottom, ow = s[2] + left + right;
        ClTensor y = ClTensor.allocate(ctx, new int[] {s[0], oh, ow});
        ctx.run(ctx.kernel("elementwise", "pad"), new long[] {y.numel()}, null, y, x, x.dtypeCode(), s[1], s[2], top, left, oh, ow);
        return y;
    }

    private static void checkBias(String what, ClTensor bias, int n) {
        if (bias != null && bias.numel() != n)
            throw new IllegalArgumentException(what + " " + describe(bias) + " should have " + n + " elements");
    }

    private static String describe(ClTensor t) { return t.dtype() + " " + Shapes.str(t.shape()); }
}
