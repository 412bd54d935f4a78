package dev.jground.nn;

import dev.jground.kernel.Regions;
import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The OpenCL backend: every op of {@link Backend}, with {@link CpuBackend}'s semantics; plain
 * kernels, correct first (the fast tiled ones are later work). Tensors live in device buffers; each op enqueues one kernel on the context's
 * in-order queue and returns a new buffer, so nothing comes back to the host until
 * {@link #download}. Weights are uploaded once in their stored dtype and widened in the kernels.
 * Three families have their own classes: {@link ClNorms}, {@link ClAttention} and {@link ClMaps};
 * the kernel sources are opencl/*.cl beside this class.
 */
public final class OpenClBackend implements Backend {

    private final ClContext ctx;
    private final ClNorms norms;
    private final ClAttention attn;
    private final ClMaps maps;

    public OpenClBackend(ClContext ctx) {
        this.ctx = ctx;
        this.norms = new ClNorms(ctx);
        this.attn = new ClAttention(ctx);
        this.maps = new ClMaps(ctx);
    }

    /** A backend on its own context on device {@code index} of {@link OpenCl#devices()}. */
    public static OpenClBackend open(int index) { return new OpenClBackend(ClContext.open(index)); }

    @Override public String name() { return "opencl:" + ctx.device().name(); }

    public ClContext context() { return ctx; }

    /** Host-device copies so far; ops between an upload and a download add none. */
    public ClContext.Transfers stats() { return ctx.transfers(); }

    // ---- moving data -------------------------------------------------------------------

    @Override public Tensor upload(float[] data, int... shape) {
        if (data.length != Shapes.numel(shape))
            throw new IllegalArgumentException("upload: " + data.length + " values for shape " + Shapes.str(shape)
                    + " (" + Shapes.numel(shape) + " elements)");
        return ClTensor.upload(ctx, data, shape);
    }

    @Override public Tensor weight(TensorView view) {
        DType t = view.dtype();
        if (t != DType.F32 && t != DType.F16 && t != DType.BF16)
            throw new IllegalArgumentException("opencl backend: tensor '" + view.name() + "' is " + t
                    + "; weights must be F32, F16 or BF16");
        return new ClTensor(ctx, ctx.write(view.data()), t, view.shape());
    }

    @Override public float[] download(Tensor t) {
        ClTensor c = own(t, "download");
        int n = Math.toIntExact(c.numel());
        if (c.dtype() == DType.F32) {
            float[] out = new float[n];
            ctx.read(c.mem(), MemorySegment.ofArray(out));
            return out;
        }
        try (Arena arena = Arena.ofConfined()) {   // a 16-bit weight: widen on the host
            MemorySegment bits = arena.allocate((long) n * 2, 2);
            ctx.read(c.mem(), bits);
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                short h = bits.get(TensorView.I16, 2L * i);
                out[i] = c.dtype() == DType.F16 ? Half.f16ToF32(h) : Half.bf16ToF32(h);
            }
            return out;
        }
    }

    @Override public Tensor reshape(Tensor t, int... shape) {
        ClTensor c = own(t, "reshape");
        ShapeChecks.reshape(c.shape(), shape);
        return c.view(shape);
    }

    @Override public Tensor zeros(int... shape) {
        ClTensor y = output(shape);
        ctx.run(ctx.kernel("elementwise", "fill"), new long[] {y.numel()}, null, y, 0f);
        return y;
    }

    @Override public void writeRows(Tensor dst, int at, Tensor src) {
        ClTensor d = own(dst, "writeRows destination"), s = own(src, "writeRows source");
        if (d.dtype() != DType.F32) throw new IllegalArgumentException("writeRows: the destination is " + d.dtype() + ", not F32");
        int row = ShapeChecks.writeRows(d.shape(), at, s.shape());
        ctx.run(ctx.kernel("elementwise", "copy"), new long[] {s.numel()}, null, d, at * row, s, s.dtypeCode(), 0);
    }

    @Override public Tensor embedding(Tensor table, int[] ids) {
        ClTensor t = own(table, "embedding table");
        int[] ts = t.shape();
        if (ts.length != 2) throw new IllegalArgumentException("embedding: table " + Shapes.str(ts) + " is not [V, D]");
        ClTensor y = output(new int[] {ids.length, ts[1]});
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= ts[0])
                throw new IllegalArgumentException("embedding: token id " + ids[i] + " is outside the table's " + ts[0] + " rows");
            ctx.run(ctx.kernel("elementwise", "copy"), new long[] {ts[1]}, null, y, i * ts[1], t, t.dtypeCode(), ids[i] * ts[1]);
        }
        return y;
    }

    @Override public Tensor transpose(Tensor x, int rows, int cols) {
        ClTensor cx = own(x, "transpose");
        ShapeChecks.transpose(cx.shape(), rows, cols);
        ClTensor y = output(new int[] {cols, rows});
        ctx.run(ctx.kernel("elementwise", "transpose"), new long[] {cols, rows}, null, y, cx, cx.dtypeCode(), rows, cols);
        return y;
    }

    @Override public Tensor concat(Tensor... parts) {
        int[][] shapes = new int[parts.length][];
        for (int i = 0; i < parts.length; i++) shapes[i] = own(parts[i], "concat part").shape();
        ClTensor y = output(ShapeChecks.concat(shapes));
        int at = 0;
        for (Tensor t : parts) {
            ClTensor c = (ClTensor) t;
            ctx.run(ctx.kernel("elementwise", "copy"), new long[] {c.numel()}, null, y, at, c, c.dtypeCode(), 0);
            at += Math.toIntExact(c.numel());
        }
        return y;
    }

    @Override public Tensor slice(Tensor x, int from, int to) {
        ClTensor cx = own(x, "slice");
        int[] shape = ShapeChecks.slice(cx.shape(), from, to);
        int row = Math.toIntExact(cx.numel() / cx.shape()[0]);
        ClTensor y = output(shape);
        ctx.run(ctx.kernel("elementwise", "copy"), new long[] {y.numel()}, null, y, 0, cx, cx.dtypeCode(), from * row);
        return y;
    }

    // ---- ops ---------------------------------------------------------------------------

    @Override public Tensor matmul(Tensor x, Tensor w, Tensor bias) {
        ClTensor cx = own(x, "matmul x"), cw = own(w, "matmul weight");
        ClTensor cb = bias == null ? null : own(bias, "matmul bias");
        int[] xs = cx.shape(), ws = cw.shape();
        if (ws.length != 2)
            throw new IllegalArgumentException("matmul: weight must be [N, K], got " + Shapes.str(ws));
        int n = ws[0], k = ws[1], m = Shapes.rows(xs);
        if (xs.length == 0 || Shapes.last(xs) != k)
            throw new IllegalArgumentException("matmul: x " + Shapes.str(xs) + " does not end in K = " + k
                    + " of weight " + Shapes.str(ws));
        if (cb != null && cb.numel() != n)
            throw new IllegalArgumentException("matmul: bias " + Shapes.str(cb.shape()) + " does not have N = " + n
                    + " elements of weight " + Shapes.str(ws));
        int[] ys = xs.clone();
        ys[ys.length - 1] = n;
        ClTensor y = output(ys);
        long tile = ctx.matmulTile();
        ctx.run(ctx.kernel("matmul", "matmul"),
                new long[] {roundUp(n, tile), roundUp(m, tile)}, new long[] {tile, tile},
                y, cx, cx.dtypeCode(), cw, cw.dtypeCode(),
                cb == null ? cw : cb, cb == null ? 0 : cb.dtypeCode(), cb == null ? 0 : 1, m, n, k);
        return y;
    }

    @Override public Tensor add(Tensor a, Tensor b) { return binary("add", a, b); }

    @Override public Tensor mul(Tensor a, Tensor b) { return binary("mul", a, b); }

    @Override public Tensor scale(Tensor a, float s) {
        ClTensor ca = own(a, "scale");
        ClTensor y = output(ca.shape());
        ctx.run(ctx.kernel("elementwise", "scale"), new long[] {ca.numel()}, null, y, ca, ca.dtypeCode(), s);
        return y;
    }

    @Override public Tensor softmax(Tensor x) {
        ClTensor cx = own(x, "softmax");
        int[] s = cx.shape();
        int d = Shapes.last(s), rows = Shapes.rows(s);
        ClTensor y = output(s);
        if (d == 0) return y;
        long group = ctx.reductionGroup();
        ctx.run(ctx.kernel("softmax", "softmax"), new long[] {rows * group}, new long[] {group},
                y, cx, cx.dtypeCode(), d, new ClContext.Local(group * Float.BYTES));
        return y;
    }

    // ---- normalisation and activations -------------------------------------------------

    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return norms.layerNorm(own(x, "layer norm"), optional(weight, "layer norm weight"), optional(bias, "layer norm bias"), eps);
    }

    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return norms.rmsNorm(own(x, "rms norm"), optional(weight, "rms norm weight"), eps);
    }

    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        return norms.groupNorm(own(x, "group norm"), groups, optional(weight, "group norm weight"), optional(bias, "group norm bias"), eps);
    }

    @Override public Tensor gelu(Tensor x) { return unary("activation", "gelu", "gelu", x); }

    @Override public Tensor geluTanh(Tensor x) { return unary("activation", "gelu_tanh", "geluTanh", x); }

    @Override public Tensor quickGelu(Tensor x) { return unary("activation", "quick_gelu", "quickGelu", x); }

    @Override public Tensor silu(Tensor x) { return unary("activation", "silu", "silu", x); }

    @Override public Tensor swiglu(Tensor gate, Tensor up) {
        ClTensor g = own(gate, "swiglu gate"), u = own(up, "swiglu up");
        if (!Arrays.equals(g.shape(), u.shape()))
            throw new IllegalArgumentException("swiglu: gate " + Shapes.str(g.shape()) + " and up " + Shapes.str(u.shape()) + " differ");
        ClTensor y = output(g.shape());
        ctx.run(ctx.kernel("activation", "swiglu"), new long[] {g.numel()}, null, y, g, g.dtypeCode(), u, u.dtypeCode());
        return y;
    }

    // ---- attention ---------------------------------------------------------------------

    @Override public Tensor rope(Tensor x, int heads, int pos0, float theta) { return attn.rope(own(x, "rope"), heads, pos0, theta); }

    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int keys, int heads, int kvHeads, float scale,
                                      boolean causal, float[] probs) {
        return attn.attention(own(q, "attention q"), own(k, "attention k"), own(v, "attention v"), keys, heads, kvHeads,
                scale, causal, probs);
    }

    private Tensor binary(String op, Tensor a, Tensor b) {
        ClTensor ca = own(a, op + " a"), cb = own(b, op + " b");
        int[] as = ca.shape(), bs = cb.shape();
        int bcols = ShapeChecks.broadcastsRow(op, as, bs) ? bs[0] : 0;
        ClTensor y = output(as);
        ctx.run(ctx.kernel("elementwise", op), new long[] {ca.numel()}, null,
                y, ca, ca.dtypeCode(), cb, cb.dtypeCode(), bcols);
        return y;
    }

    private ClTensor output(int[] shape) { return ClTensor.allocate(ctx, shape); }

    /** y = kernel(x) elementwise, the kernel taking (y, x, x's dtype). */
    private Tensor unary(String source, String kernel, String what, Tensor x) {
        ClTensor cx = own(x, what);
        ClTensor y = output(cx.shape());
        ctx.run(ctx.kernel(source, kernel), new long[] {cx.numel()}, null, y, cx, cx.dtypeCode());
        return y;
    }

    private ClTensor optional(Tensor t, String what) { return t == null ? null : own(t, what); }

    private ClTensor own(Tensor t, String what) {
        if (t == null) throw new IllegalArgumentException("opencl backend: " + what + " is null");
        if (!(t instanceof ClTensor c) || c.context() != ctx)
            throw new IllegalArgumentException("opencl backend: " + what + " (" + t + ") is not a tensor of this backend");
        return c;
    }

    private static long roundUp(long v, long to) { return (v + to - 1) / to * to; }

    // ---- SAM's region ops ----------------------------------------------------------------

    @Override public Tensor relu(Tensor x) { return unary("elementwise", "relu", "relu", x); }

    @Override public Tensor windowPartition(Tensor x, int window) {
        ClTensor cx = own(x, "window partition");
        int[] s = cx.shape();
        ClTensor y = output(ShapeChecks.windowPartition(s, window));
        int nw = Regions.windows(s[1], window);
        ctx.run(ctx.kernel("elementwise", "window_partition"), new long[] {y.numel()}, null,
                y, cx, cx.dtypeCode(), s[0], s[1], s[2], window, nw);
        return y;
    }

    @Override public Tensor windowUnpartition(Tensor x, int window, int h, int w) {
        ClTensor cx = own(x, "window unpartition");
        int[] s = cx.shape();
        ShapeChecks.windowUnpartition(s, window, h, w);
        ClTensor y = output(new int[] {h, w, s[2]});
        ctx.run(ctx.kernel("elementwise", "window_unpartition"), new long[] {y.numel()}, null,
                y, cx, cx.dtypeCode(), h, w, s[2], window, Regions.windows(w, window));
        return y;
    }

    @Override public Tensor crop(Tensor x, int top, int left, int height, int width) {
        ClTensor cx = own(x, "crop");
        int[] s = cx.shape();
        ShapeChecks.crop(s, top, left, height, width);
        ClTensor y = output(new int[] {s[0], height, width});
        ctx.run(ctx.kernel("elementwise", "crop"), new long[] {y.numel()}, null,
                y, cx, cx.dtypeCode(), s[1], s[2], top, left, height, width);
        return y;
    }

    @Override public Tensor layerNorm2d(Tensor x, Tensor weight, Tensor bias, float eps) {
        return norms.layerNorm2d(own(x, "layer norm 2d"), optional(weight, "layer norm 2d weight"), optional(bias, "layer norm 2d bias"), eps);
    }

    @Override public Tensor relPosAttention(Tensor qkv, int heads, int size, float scale, Tensor relPosH, Tensor relPosW, Tensor pad) {
        return attn.relPosAttention(own(qkv, "rel-pos attention qkv"), heads, size, scale, own(relPosH, "rel_pos_h"),
                own(relPosW, "rel_pos_w"), optional(pad, "rel-pos attention pad"));
    }


    // ---- images and feature maps -------------------------------------------------------

    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return maps.conv2d(own(x, "conv2d input"), own(weight, "conv2d weight"), optional(bias, "conv2d bias"), stride, padding);
    }

    @Override public Tensor convTranspose2x2(Tensor x, Tensor weight, Tensor bias) {
        return maps.convTranspose2x2(own(x, "conv transpose input"), own(weight, "conv transpose weight"), optional(bias, "conv transpose bias"));
    }

    @Override public Tensor upsampleNearest(Tensor x, int outH, int outW) { return maps.upsampleNearest(own(x, "upsample nearest"), outH, outW); }

    @Override public Tensor upsampleBilinear(Tensor x, int outH, int outW, boolean alignCorners) {
        return maps.resize(own(x, "upsample bilinear"), outH, outW, alignCorners, false);
    }

    @Override public Tensor resizeBicubic(Tensor x, int outH, int outW, boolean alignCorners) {
        return maps.resize(own(x, "resize bicubic"), outH, outW, alignCorners, true);
    }

    @Override public Tensor pad(Tensor x, int top, int bottom, int left, int right) { return maps.pad(own(x, "pad"), top, bottom, left, right); }

    // ---- added for Stable Diffusion -------------------------------------------------------

    @Override public Tensor exp(Tensor x) { return unary("activation", "exponential", "exp", x); }

    @Override public Tensor clamp(Tensor x, float lo, float hi) {
        ClTensor cx = own(x, "clamp");
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: the range [" + lo + ", " + hi + "] is empty");
        ClTensor y = output(cx.shape());
        ctx.run(ctx.kernel("activation", "clamp_range"), new long[] {cx.numel()}, null, y, cx, cx.dtypeCode(), lo, hi);
        return y;
    }


    /** What a kernel does not cover yet (relPosAttention's head size is bounded by a private array). */
    static UnsupportedOperationException later(String op) {
        return new UnsupportedOperationException("opencl backend: " + op
                + " is not implemented yet (the full OpenCL backend is a later issue)");
    }

    @Override public void close() { ctx.close(); }
}
