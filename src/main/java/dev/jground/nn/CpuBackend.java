package dev.jground.nn;

import dev.jground.kernel.Activations;
import dev.jground.kernel.Attention;
import dev.jground.kernel.Conv2d;
import dev.jground.kernel.ConvTranspose2d;
import dev.jground.kernel.Elementwise;
import dev.jground.kernel.Matmul;
import dev.jground.kernel.Norms;
import dev.jground.kernel.Parallel;
import dev.jground.kernel.Regions;
import dev.jground.kernel.RelPosAttention;
import dev.jground.kernel.Winograd;
import dev.jground.kernel.Resample;
import dev.jground.kernel.Rope;
import dev.jground.kernel.Softmax;
import dev.jground.kernel.Transpose;
import dev.jground.kernel.WeightMatrix;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.util.Arrays;

/** The Backend on the host: heap float arrays for activations, mapped weights, SIMD kernels. */
public final class CpuBackend implements Backend {
    private final Parallel par;

    public CpuBackend(int threads) { this.par = Parallel.of(threads); }

    public int threads() { return par.threads(); }

    @Override public String name() { return "cpu (" + par.threads() + " threads)"; }

    // ---- moving data -------------------------------------------------------------------

    @Override public Tensor upload(float[] data, int... shape) { return CpuTensor.of(data.clone(), shape); }

    @Override public Tensor weight(TensorView view) { return CpuTensor.weight(view); }

    @Override public float[] download(Tensor t) { return cpu(t).floats().clone(); }

    @Override public Tensor zeros(int... shape) {
        return CpuTensor.of(new float[Math.toIntExact(Shapes.numel(shape))], shape);
    }

    @Override public void writeRows(Tensor dst, int at, Tensor src) {
        CpuTensor d = cpu(dst), s = cpu(src);
        int row = ShapeChecks.writeRows(d.shape(), at, s.shape());
        float[] from = s.floats();
        System.arraycopy(from, 0, d.floats(), at * row, from.length);
    }

    @Override public Tensor embedding(Tensor table, int[] ids) {
        CpuTensor t = cpu(table);
        if (t.rank() != 2) throw new IllegalArgumentException("embedding: table " + t.describe() + " is not [V, D]");
        int vocab = t.dim(0), d = t.dim(1);
        WeightMatrix m = t.matrix();
        float[] out = new float[Math.multiplyExact(ids.length, d)];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab)
                throw new IllegalArgumentException("embedding: token id " + ids[i] + " is outside the table's " + vocab + " rows");
            m.readRow(ids[i], out, i * d);
        }
        return CpuTensor.of(out, ids.length, d);
    }

    @Override public Tensor reshape(Tensor t, int... shape) {
        CpuTensor c = cpu(t);
        ShapeChecks.reshape(c.shape(), shape);
        return CpuTensor.of(c.floats(), shape);   // activations are immutable once made, so sharing is safe
    }

    @Override public Tensor transpose(Tensor x, int rows, int cols) {
        CpuTensor c = cpu(x);
        ShapeChecks.transpose(c.shape(), rows, cols);
        float[] out = new float[Math.toIntExact(c.numel())];
        Transpose.transpose(c.floats(), rows, cols, out, par);
        return CpuTensor.of(out, cols, rows);
    }

    @Override public Tensor concat(Tensor... parts) {
        int[][] shapes = new int[parts.length][];
        for (int i = 0; i < parts.length; i++) shapes[i] = cpu(parts[i]).shape();
        int[] shape = ShapeChecks.concat(shapes);
        float[] out = new float[Math.toIntExact(Shapes.numel(shape))];
        int at = 0;
        for (Tensor t : parts) {
            float[] f = cpu(t).floats();
            System.arraycopy(f, 0, out, at, f.length);
            at += f.length;
        }
        return CpuTensor.of(out, shape);
    }

    @Override public Tensor slice(Tensor x, int from, int to) {
        CpuTensor c = cpu(x);
        int[] shape = ShapeChecks.slice(c.shape(), from, to);
        int row = Math.toIntExact(c.numel() / c.dim(0));
        return CpuTensor.of(Arrays.copyOfRange(c.floats(), from * row, to * row), shape);
    }

    // ---- linear algebra ----------------------------------------------------------------

    @Override public Tensor matmul(Tensor x, Tensor w, Tensor bias) {
        CpuTensor cx = cpu(x), cw = cpu(w);
        WeightMatrix m = cw.matrix();
        int k = cx.dim(-1);
        if (cw.rank() != 2 || m.cols() != k)
            throw new IllegalArgumentException("matmul: x " + cx.describe() + " does not fit weight " + cw.describe());
        float[] b = bias == null ? null : vector(bias, m.rows(), "matmul bias");
        int rows = Shapes.rows(cx.shape());
        float[] y = new float[Math.multiplyExact(rows, m.rows())];
        Matmul.matmul(cx.floats(), rows, m, b, y, par);
        return CpuTensor.of(y, withLast(cx.shape(), m.rows()));
    }

    @Override public Tensor add(Tensor a, Tensor b) { return elementwise(a, b, "add", true); }

    @Override public Tensor mul(Tensor a, Tensor b) { return elementwise(a, b, "mul", false); }

    private Tensor elementwise(Tensor a, Tensor b, String op, boolean add) {
        CpuTensor ca = cpu(a), cb = cpu(b);
        int d = ca.dim(-1);
        boolean row = ShapeChecks.broadcastsRow(op, ca.shape(), cb.shape());
        float[] x = ca.floats(), out = new float[x.length];
        if (add) Elementwise.add(x, cb.floats(), row, out, x.length / d, d, par);
        else Elementwise.mul(x, cb.floats(), row, out, x.length / d, d, par);
        return CpuTensor.of(out, ca.shape());
    }

    @Override public Tensor scale(Tensor a, float s) {
        CpuTensor c = cpu(a);
        float[] x = c.floats(), out = new float[x.length];
        Elementwise.scale(x, s, out, x.length, par);
        return CpuTensor.of(out, c.shape());
    }

    // ---- normalisation and activations -------------------------------------------------

    @Override public Tensor softmax(Tensor x) {
        CpuTensor c = cpu(x);
        float[] out = c.floats().clone();
        Softmax.rows(out, Shapes.rows(c.shape()), c.dim(-1));
        return CpuTensor.of(out, c.shape());
    }

    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        CpuTensor c = cpu(x);
        int d = c.dim(-1), rows = Shapes.rows(c.shape());
        float[] out = new float[c.floats().length];
        Norms.layerNorm(c.floats(), out, rows, d, optionalVector(weight, d, "layer norm weight"),
                optionalVector(bias, d, "layer norm bias"), eps, par);
        return CpuTensor.of(out, c.shape());
    }

    @Override public Tensor layerNorm2d(Tensor x, Tensor weight, Tensor bias, float eps) {
        CpuTensor c = cpu(x);
        if (c.rank() != 3) throw new IllegalArgumentException("layer norm 2d: input " + c.describe() + " is not [C, H, W]");
        int ch = c.dim(0);
        float[] out = new float[c.floats().length];
        Norms.layerNormChannels(c.floats(), out, ch, out.length / ch, optionalVector(weight, ch, "layer norm 2d weight"),
                optionalVector(bias, ch, "layer norm 2d bias"), eps, par);
        return CpuTensor.of(out, c.shape());
    }

    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        CpuTensor c = cpu(x);
        int d = c.dim(-1), rows = Shapes.rows(c.shape());
        float[] out = new float[c.floats().length];
        Norms.rmsNorm(c.floats(), out, rows, d, optionalVector(weight, d, "rms norm weight"), eps);
        return CpuTensor.of(out, c.shape());
    }

    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        CpuTensor c = cpu(x);
        int ch = c.dim(0);
        if (groups < 1 || ch % groups != 0)
            throw new IllegalArgumentException("group norm: " + ch + " channels do not split into " + groups + " groups");
        float[] out = new float[c.floats().length];
        Norms.groupNorm(c.floats(), out, ch, Math.toIntExact(c.numel() / ch), groups,
                optionalVector(weight, ch, "group norm weight"), optionalVector(bias, ch, "group norm bias"), eps);
        return CpuTensor.of(out, c.shape());
    }

    @FunctionalInterface private interface Unary { void apply(float[] x, float[] out, int n, Parallel par); }

    private Tensor unary(Tensor x, Unary f) {
        CpuTensor c = cpu(x);
        float[] out = new float[c.floats().length];
        f.apply(c.floats(), out, out.length, par);
        return CpuTensor.of(out, c.shape());
    }

    @Override public Tensor gelu(Tensor x) { return unary(x, Activations::gelu); }

    @Override public Tensor geluTanh(Tensor x) { return unary(x, Activations::geluTanh); }

    @Override public Tensor quickGelu(Tensor x) { return unary(x, Activations::quickGelu); }

    @Override public Tensor silu(Tensor x) { return unary(x, Activations::silu); }

    @Override public Tensor swiglu(Tensor gate, Tensor up) {
        CpuTensor g = cpu(gate), u = cpu(up);
        if (!Arrays.equals(g.shape(), u.shape()))
            throw new IllegalArgumentException("swiglu: gate " + g.describe() + " and up " + u.describe() + " differ");
        float[] out = new float[g.floats().length];
        Activations.swiglu(g.floats(), u.floats(), out, out.length, par);
        return CpuTensor.of(out, g.shape());
    }

    // ---- attention ---------------------------------------------------------------------

    @Override public Tensor rope(Tensor x, int heads, int pos0, float theta) {
        CpuTensor c = cpu(x);
        int width = c.dim(-1);
        if (width % heads != 0 || (width / heads) % 2 != 0)
            throw new IllegalArgumentException("rope: width " + width + " is not " + heads + " heads of an even size");
        float[] out = c.floats().clone();
        Rope.apply(out, Shapes.rows(c.shape()), heads, width / heads, pos0, theta);
        return CpuTensor.of(out, c.shape());
    }

    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int keys, int heads, int kvHeads, float scale,
                                      boolean causal, float[] probs) {
        CpuTensor cq = cpu(q), ck = cpu(k), cv = cpu(v);
        int headDim = ShapeChecks.attention(cq.shape(), ck.shape(), cv.shape(), keys, heads, kvHeads, causal, probs);
        int width = cq.dim(-1), tq = Shapes.rows(cq.shape()), tk = keys;
        float[] out = new float[tq * width];
        Attention.attention(cq.floats(), ck.floats(), cv.floats(), out, tq, tk, heads, kvHeads, headDim, scale, causal, probs, par);
        return CpuTensor.of(out, cq.shape());
    }

    // ---- images and feature maps -------------------------------------------------------

    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        CpuTensor cx = cpu(x), cw = cpu(weight);
        if (cx.rank() != 3 || cw.rank() != 4 || cw.dim(1) != cx.dim(0))
            throw new IllegalArgumentException("conv2d: input " + cx.describe() + " does not fit weight " + cw.describe() + " [O, C, kh, kw]");
        int c = cx.dim(0), h = cx.dim(1), w = cx.dim(2), o = cw.dim(0), kh = cw.dim(2), kw = cw.dim(3);
        int oh = Conv2d.outSize(h, kh, stride, padding), ow = Conv2d.outSize(w, kw, stride, padding);
        float[] out = new float[Math.multiplyExact(o, oh * ow)];
        float[] b = optionalVector(bias, o, "conv2d bias");
        // 3×3 convs of large maps by Winograd (2.25× fewer multiply-adds), the rest as unfold + GEMM
        if (Winograd.suits(kh, kw, stride, oh, ow)) Winograd.conv3x3(cx.floats(), h, w, cw.winogradFilters(par), b, padding, out, par);
        else Conv2d.conv2d(cx.floats(), c, h, w, cw.matrix(), kh, kw, b, stride, padding, out, par);
        return CpuTensor.of(out, o, oh, ow);
    }

    @Override public Tensor convTranspose2x2(Tensor x, Tensor weight, Tensor bias) {
        CpuTensor cx = cpu(x), cw = cpu(weight);
        if (cx.rank() != 3 || cw.rank() != 4 || cw.dim(0) != cx.dim(0) || cw.dim(2) != 2 || cw.dim(3) != 2)
            throw new IllegalArgumentException("conv transpose: input " + cx.describe() + " does not fit weight " + cw.describe() + " [C, O, 2, 2]");
        int c = cx.dim(0), h = cx.dim(1), w = cx.dim(2), o = cw.dim(1);
        float[] out = new float[Math.multiplyExact(o, 4 * h * w)];
        ConvTranspose2d.convTranspose2x2(cx.floats(), c, h, w, cw.floats(), optionalVector(bias, o, "conv transpose bias"), o, out, par);
        return CpuTensor.of(out, o, 2 * h, 2 * w);
    }

    @FunctionalInterface private interface Resampler { void apply(float[] x, int c, int h, int w, int oh, int ow, float[] out); }

    private Tensor resample(Tensor x, int outH, int outW, Resampler r) {
        CpuTensor c = cpu(x);
        if (c.rank() != 3 || outH < 1 || outW < 1)
            throw new IllegalArgumentException("resize: input " + c.describe() + " to " + outH + "x" + outW);
        float[] out = new float[Math.multiplyExact(c.dim(0), outH * outW)];
        r.apply(c.floats(), c.dim(0), c.dim(1), c.dim(2), outH, outW, out);
        return CpuTensor.of(out, c.dim(0), outH, outW);
    }

    @Override public Tensor upsampleNearest(Tensor x, int outH, int outW) {
        return resample(x, outH, outW, Resample::nearest);
    }

    @Override public Tensor upsampleBilinear(Tensor x, int outH, int outW, boolean alignCorners) {
        return resample(x, outH, outW, (in, c, h, w, oh, ow, out) -> Resample.bilinear(in, c, h, w, oh, ow, alignCorners, out, par));
    }

    @Override public Tensor resizeBicubic(Tensor x, int outH, int outW, boolean alignCorners) {
        return resample(x, outH, outW, (in, c, h, w, oh, ow, out) -> Resample.bicubic(in, c, h, w, oh, ow, alignCorners, out, par));
    }

    // ---- added for SAM ------------------------------------------------------------------

    @Override public Tensor relu(Tensor x) { return unary(x, Activations::relu); }

    @Override public Tensor windowPartition(Tensor x, int window) {
        CpuTensor c = cpu(x);
        int[] shape = ShapeChecks.windowPartition(c.shape(), window);
        float[] out = new float[Math.toIntExact(Shapes.numel(shape))];
        Regions.partition(c.floats(), c.dim(0), c.dim(1), c.dim(2), window, out);
        return CpuTensor.of(out, shape);
    }

    @Override public Tensor windowUnpartition(Tensor x, int window, int h, int w) {
        CpuTensor c = cpu(x);
        ShapeChecks.windowUnpartition(c.shape(), window, h, w);
        int ch = c.dim(2);
        float[] out = new float[Math.multiplyExact(h * w, ch)];
        Regions.unpartition(c.floats(), h, w, ch, window, out);
        return CpuTensor.of(out, h, w, ch);
    }

    @Override public Tensor crop(Tensor x, int top, int left, int height, int width) {
        CpuTensor c = cpu(x);
        ShapeChecks.crop(c.shape(), top, left, height, width);
        float[] out = new float[Math.multiplyExact(c.dim(0), Math.multiplyExact(height, width))];
        Regions.crop(c.floats(), c.dim(0), c.dim(1), c.dim(2), top, left, height, width, out, par);
        return CpuTensor.of(out, c.dim(0), height, width);
    }

    @Override public Tensor relPosAttention(Tensor qkv, int heads, int size, float scale, Tensor relPosH, Tensor relPosW, Tensor pad) {
        CpuTensor c = cpu(qkv);
        int d = ShapeChecks.relPosAttention(c.shape(), heads, size), h = c.dim(0), w = c.dim(1);
        float[] out = new float[Math.multiplyExact(h * w, heads * d)];
        RelPosAttention.windows(c.floats(), out, h, w, size, size, optionalVector(pad, 3 * heads * d, "rel-pos attention pad"), heads, d,
                scale, vector(relPosH, (2 * size - 1) * d, "rel_pos_h"), vector(relPosW, (2 * size - 1) * d, "rel_pos_w"), par);
        return CpuTensor.of(out, h, w, heads * d);
    }

    // ---- added for Stable Diffusion -------------------------------------------------------

    @Override public Tensor exp(Tensor x) { return unary(x, Activations::exp); }

    @Override public Tensor clamp(Tensor x, float lo, float hi) {
        return unary(x, (in, out, n, p) -> Elementwise.clamp(in, lo, hi, out, n, p));
    }

    @Override public Tensor pad(Tensor x, int top, int bottom, int left, int right) {
        CpuTensor c = cpu(x);
        if (c.rank() != 3) throw new IllegalArgumentException("pad: input " + c.describe() + " is not [C, H, W]");
        int ch = c.dim(0), h = c.dim(1) + top + bottom, w = c.dim(2) + left + right;
        float[] out = new float[Math.multiplyExact(ch, Math.multiplyExact(h, w))];
        Regions.pad(c.floats(), ch, c.dim(1), c.dim(2), top, bottom, left, right, out);
        return CpuTensor.of(out, ch, h, w);
    }

    @Override public void close() { par.close(); }

    // ---- helpers -----------------------------------------------------------------------

    private static CpuTensor cpu(Tensor t) {
        if (t instanceof CpuTensor c) return c;
        throw new IllegalArgumentException("tensor of another backend (" + t.getClass().getSimpleName() + ") passed to the CPU backend");
    }

    private static float[] vector(Tensor t, int n, String what) {
        CpuTensor c = cpu(t);
        if (c.numel() != n) throw new IllegalArgumentException(what + " " + c.describe() + " should have " + n + " elements");
        return c.floats();
    }

    private static float[] optionalVector(Tensor t, int n, String what) { return t == null ? null : vector(t, n, what); }

    private static int[] withLast(int[] shape, int last) {
        int[] s = shape.clone();
        s[s.length - 1] = last;
        return s;
    }
}
