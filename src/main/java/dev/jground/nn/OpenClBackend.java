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
 * The OpenCL backend, minimal for now: matmul (F32, F16 and BF16 weights), add, mul, scale and
 * softmax. Tensors live in device buffers; each op enqueues one kernel on the context's
 * in-order queue and returns a new buffer, so nothing comes back to the host until
 * {@link #download}. Weights are uploaded once in their stored dtype and widened in the kernels.
 */
public final class OpenClBackend implements Backend {

    private static final int SOFTMAX_GROUP = 256;

    private final ClContext ctx;

    public OpenClBackend(ClContext ctx) { this.ctx = ctx; }

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
        return new ClTensor(ctx, ctx.write(MemorySegment.ofArray(data)), DType.F32, shape);
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
        if (Shapes.numel(shape) != c.numel())
            throw new IllegalArgumentException("reshape: " + Shapes.str(c.shape()) + " has " + c.numel()
                    + " elements, " + Shapes.str(shape) + " has " + Shapes.numel(shape));
        return c.view(shape);
    }

    @Override public Tensor zeros(int... shape) {
        ClTensor y = output(shape);
        ctx.run(ctx.kernel("elementwise", "fill"), new long[] {y.numel()}, null, y, 0f);
        return y;
    }

    @Override public void writeRows(Tensor dst, int at, Tensor src) {
        ClTensor d = own(dst, "writeRows destination"), s = own(src, "writeRows source");
        int row = Shapes.last(d.shape());
        if (d.dtype() != DType.F32 || Shapes.last(s.shape()) != row || at < 0
                || (long) at + Shapes.rows(s.shape()) > Shapes.rows(d.shape()))
            throw new IllegalArgumentException("writeRows: " + Shapes.str(s.shape()) + " does not fit "
                    + Shapes.str(d.shape()) + " from row " + at);
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
        if ((long) rows * cols != cx.numel())
            throw new IllegalArgumentException("transpose: " + Shapes.str(cx.shape()) + " is not a [" + rows + ", " + cols + "] matrix");
        ClTensor y = output(new int[] {cols, rows});
        ctx.run(ctx.kernel("elementwise", "transpose"), new long[] {cols, rows}, null, y, cx, cx.dtypeCode(), rows, cols);
        return y;
    }

    @Override public Tensor concat(Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat: nothing to concatenate");
        int[] shape = own(parts[0], "concat part").shape();
        int first = 0;
        for (Tensor t : parts) {
            int[] s = own(t, "concat part").shape();
            if (s.length != shape.length || !Arrays.equals(s, 1, s.length, shape, 1, shape.length))
                throw new IllegalArgumentException("concat: " + Shapes.str(s) + " does not stack onto " + Shapes.str(shape));
            first += s[0];
        }
        shape[0] = first;
        ClTensor y = output(shape);
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
        int[] shape = cx.shape();
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to)
            throw new IllegalArgumentException("slice: rows [" + from + ", " + to + ") of " + Shapes.str(shape));
        int row = Math.toIntExact(cx.numel() / shape[0]);
        shape[0] = to - from;
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
        long group = Math.min(SOFTMAX_GROUP, Long.highestOneBit(ctx.device().maxWorkGroupSize()));
        ctx.run(ctx.kernel("softmax", "softmax"), new long[] {rows * group}, new long[] {group},
                y, cx, cx.dtypeCode(), d, new ClContext.Local(group * Float.BYTES));
        return y;
    }

    private Tensor binary(String op, Tensor a, Tensor b) {
        ClTensor ca = own(a, op + " a"), cb = own(b, op + " b");
        int[] as = ca.shape(), bs = cb.shape();
        int bcols;
        if (Arrays.equals(as, bs)) bcols = 0;
        else if (bs.length == 1 && as.length > 0 && bs[0] == Shapes.last(as)) bcols = bs[0];
        else throw new IllegalArgumentException(op + ": b " + Shapes.str(bs) + " is neither a's shape " + Shapes.str(as)
                + " nor one row [" + Shapes.last(as) + "]");
        ClTensor y = output(as);
        ctx.run(ctx.kernel("elementwise", op), new long[] {ca.numel()}, null,
                y, ca, ca.dtypeCode(), cb, cb.dtypeCode(), bcols);
        return y;
    }

    private ClTensor output(int[] shape) {
        return new ClTensor(ctx, ctx.allocate(Shapes.numel(shape) * Float.BYTES), DType.F32, shape);
    }

    private ClTensor own(Tensor t, String what) {
        if (t == null) throw new IllegalArgumentException("opencl backend: " + what + " is null");
        if (!(t instanceof ClTensor c) || c.context() != ctx)
            throw new IllegalArgumentException("opencl backend: " + what + " (" + t + ") is not a tensor of this backend");
        return c;
    }

    private static long roundUp(long v, long to) { return (v + to - 1) / to * to; }

    // ---- SAM's region ops ----------------------------------------------------------------

    @Override public Tensor relu(Tensor x) {
        ClTensor cx = own(x, "relu");
        ClTensor y = output(cx.shape());
        ctx.run(ctx.kernel("elementwise", "relu"), new long[] {cx.numel()}, null, y, cx, cx.dtypeCode());
        return y;
    }

    @Override public Tensor windowPartition(Tensor x, int window) {
        ClTensor cx = own(x, "window partition");
        int[] s = cx.shape();
        if (s.length != 3 || window < 1)
            throw new IllegalArgumentException("window partition: " + Shapes.str(s) + " is not [H, W, C] or window " + window + " < 1");
        int nh = Regions.windows(s[0], window), nw = Regions.windows(s[1], window);
        ClTensor y = output(new int[] {nh * nw, window * window, s[2]});
        ctx.run(ctx.kernel("elementwise", "window_partition"), new long[] {y.numel()}, null,
                y, cx, cx.dtypeCode(), s[0], s[1], s[2], window, nw);
        return y;
    }

    @Override public Tensor windowUnpartition(Tensor x, int window, int h, int w) {
        ClTensor cx = own(x, "window unpartition");
        int[] s = cx.shape();
        if (s.length != 3 || window < 1 || h < 1 || w < 1 || s[1] != window * window
                || s[0] != Regions.windows(h, window) * Regions.windows(w, window))
            throw new IllegalArgumentException("window unpartition: " + Shapes.str(s) + " is not the windows of " + window
                    + " of a " + h + "x" + w + " grid");
        ClTensor y = output(new int[] {h, w, s[2]});
        ctx.run(ctx.kernel("elementwise", "window_unpartition"), new long[] {y.numel()}, null,
                y, cx, cx.dtypeCode(), h, w, s[2], window, Regions.windows(w, window));
        return y;
    }

    @Override public Tensor crop(Tensor x, int top, int left, int height, int width) {
        ClTensor cx = own(x, "crop");
        int[] s = cx.shape();
        if (s.length != 3) throw new IllegalArgumentException("crop: " + Shapes.str(s) + " is not [C, H, W]");
        if (s[0] < 1 || height < 1 || width < 1 || top < 0 || left < 0 || top + height > s[1] || left + width > s[2])
            throw new IllegalArgumentException("crop: " + height + "x" + width + " at (" + top + ", " + left + ") of a "
                    + s[1] + "x" + s[2] + " map with " + s[0] + " channels");
        ClTensor y = output(new int[] {s[0], height, width});
        ctx.run(ctx.kernel("elementwise", "crop"), new long[] {y.numel()}, null,
                y, cx, cx.dtypeCode(), s[1], s[2], top, left, height, width);
        return y;
    }

    @Override public Tensor relPosAttention(Tensor qkv, int heads, int h, int w, float scale, Tensor relPosH, Tensor relPosW) {
        ClTensor c = own(qkv, "rel-pos attention qkv"), rh = own(relPosH, "rel_pos_h"), rw = own(relPosW, "rel_pos_w");
        int[] s = c.shape();
        int width = s.length == 0 ? 0 : s[s.length - 1];
        if (s.length != 3 || s[1] != h * w || heads < 1 || width % (3 * heads) != 0)
            throw new IllegalArgumentException("rel-pos attention: qkv " + Shapes.str(s) + " is not [B, " + h + "*" + w
                    + ", 3 * " + heads + " heads * d]");
        int d = width / (3 * heads);
        if (d > 128) throw later("relPosAttention with head size " + d + " > 128");
        if (rh.numel() != (long) (2 * h - 1) * d || rw.numel() != (long) (2 * w - 1) * d)
            throw new IllegalArgumentException("rel-pos attention: tables " + Shapes.str(rh.shape()) + ", " + Shapes.str(rw.shape())
                    + " should be [" + (2 * h - 1) + ", " + d + "] and [" + (2 * w - 1) + ", " + d + "]");
        ClTensor y = output(new int[] {s[0], h * w, heads * d});
        ctx.run(ctx.kernel("attention", "rel_pos_attention"), new long[] {h * w, heads, s[0]}, null,
                y, c, c.dtypeCode(), heads, h, w, d, scale, rh, rh.dtypeCode(), rw, rw.dtypeCode());
        return y;
    }

    // ---- not yet: the full OpenCL backend is a later issue ------------------------------

    private static UnsupportedOperationException later(String op) {
        return new UnsupportedOperationException("opencl backend: " + op
                + " is not implemented yet (the full OpenCL backend is a later issue)");
    }

    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { throw later("layerNorm"); }
    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) { throw later("rmsNorm"); }
    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) { throw later("groupNorm"); }
    @Override public Tensor gelu(Tensor x) { throw later("gelu"); }
    @Override public Tensor geluTanh(Tensor x) { throw later("geluTanh"); }
    @Override public Tensor quickGelu(Tensor x) { throw later("quickGelu"); }
    @Override public Tensor silu(Tensor x) { throw later("silu"); }
    @Override public Tensor swiglu(Tensor gate, Tensor up) { throw later("swiglu"); }
    @Override public Tensor rope(Tensor x, int heads, int pos0, float theta) { throw later("rope"); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int keys, int heads, int kvHeads, float scale,
                                      boolean causal, float[] probs) { throw later("attention"); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) { throw later("conv2d"); }
    @Override public Tensor convTranspose2x2(Tensor x, Tensor weight, Tensor bias) { throw later("convTranspose2x2"); }
    @Override public Tensor upsampleNearest(Tensor x, int outH, int outW) { throw later("upsampleNearest"); }
    @Override public Tensor upsampleBilinear(Tensor x, int outH, int outW, boolean alignCorners) { throw later("upsampleBilinear"); }
    @Override public Tensor resizeBicubic(Tensor x, int outH, int outW, boolean alignCorners) { throw later("resizeBicubic"); }

    @Override public void close() { ctx.close(); }

    // ---- added for SAM: later ------------------------------------------------------------





}
