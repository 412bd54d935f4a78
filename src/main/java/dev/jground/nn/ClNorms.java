package dev.jground.nn;

import dev.jground.tensor.Shapes;

/**
 * The normalisations of {@link OpenClBackend} (norm.cl, and LayerNorm2d in elementwise.cl): the
 * semantics of {@link CpuBackend}'s, statistics accumulated in float by one work-group per row or
 * group. Weights and biases may be F32, F16 or BF16, or null for the identity.
 */
final class ClNorms {
    private final ClContext ctx;

    ClNorms(ClContext ctx) { this.ctx = ctx; }

    ClTensor layerNorm(ClTensor x, ClTensor w, ClTensor b, float eps) {
        int[] s = x.shape();
        int d = rowWidth("layer norm", s);
        checkParam("layer norm weight", w, d);
        checkParam("layer norm bias", b, d);
        return reduceRows("layer_norm", Shapes.rows(s), s, x, x.dtypeCode(), or(w, x), code(w), or(b, x), code(b), affine(w, b), d, eps);
    }

    ClTensor rmsNorm(ClTensor x, ClTensor w, float eps) {
        int[] s = x.shape();
        int d = rowWidth("rms norm", s);
        checkParam("rms norm weight", w, d);
        return reduceRows("rms_norm", Shapes.rows(s), s, x, x.dtypeCode(), or(w, x), code(w), w == null ? 0 : 1, d, eps);
    }

    ClTensor groupNorm(ClTensor x, int groups, ClTensor w, ClTensor b, float eps) {
        int[] s = x.shape();
        int ch = s.length == 0 ? 0 : s[0];
        if (groups < 1 || ch % groups != 0)
            throw new IllegalArgumentException("group norm: " + ch + " channels do not split into " + groups + " groups");
        checkParam("group norm weight", w, ch);
        checkParam("group norm bias", b, ch);
        int spatial = Math.toIntExact(x.numel() / Math.max(ch, 1)), perGroup = ch / groups;
        if (ch < 1 || spatial < 1) throw new IllegalArgumentException("group norm: input " + Shapes.str(s) + " has no positions to normalise");
        Math.multiplyExact(perGroup, spatial);   // a group's elements are indexed by int in the kernel
        return reduceRows("group_norm", groups, s, x, x.dtypeCode(), or(w, x), code(w), or(b, x), code(b), affine(w, b),
                perGroup, spatial, eps);
    }

    /** segment-anything's LayerNorm2d: x [C, H, W] normalised over C at each position, one work item per position. */
    ClTensor layerNorm2d(ClTensor x, ClTensor w, ClTensor b, float eps) {
        int[] s = x.shape();
        if (s.length != 3) throw new IllegalArgumentException("layer norm 2d: input " + Shapes.str(s) + " is not [C, H, W]");
        if ((w != null && w.numel() != s[0]) || (b != null && b.numel() != s[0]))
            throw new IllegalArgumentException("layer norm 2d: weight and bias should have " + s[0] + " elements");
        ClTensor y = ClTensor.allocate(ctx, s);
        ctx.run(ctx.kernel("elementwise", "layer_norm_2d"), new long[] {(long) s[1] * s[2]}, null, y, x, x.dtypeCode(),
                or(w, x), code(w), or(b, x), code(b), affine(w, b), s[0], s[1] * s[2], eps);
        return y;
    }

    /** Kernel(y, args..., scratch) with one work-group per row (or group) of {@code shape}. */
    private ClTensor reduceRows(String kernel, int rows, int[] shape, Object... args) {
        ClTensor y = ClTensor.allocate(ctx, shape);
        long group = ctx.reductionGroup();
        Object[] all = new Object[args.length + 2];
        all[0] = y;
        System.arraycopy(args, 0, all, 1, args.length);
        all[all.length - 1] = new ClContext.Local(group * Float.BYTES);
        ctx.run(ctx.kernel("norm", kernel), new long[] {rows * group}, new long[] {group}, all);
        return y;
    }

    private static int rowWidth(String op, int[] s) {
        if (s.length == 0 || Shapes.last(s) < 1)
            throw new IllegalArgumentException(op + ": input " + Shapes.str(s) + " has no rows to normalise");
        return Shapes.last(s);
    }

    private static void checkParam(String what, ClTensor p, int n) {
        if (p != null && p.numel() != n)
            throw new IllegalArgumentException(what + " " + p.dtype() + " " + Shapes.str(p.shape()) + " should have " + n + " elements");
    }

    /** An absent weight is passed as some valid buffer the kernel never reads (its affine bit is clear). */
    private static ClTensor or(ClTensor p, ClTensor fallback) { return p == null ? fallback : p; }

    private static int code(ClTensor p) { return p == null ? 0 : p.dtypeCode(); }

    private static int affine(ClTensor w, ClTensor b) { return (w == null ? 0 : 1) | (b == null ? 0 : 2); }
}
