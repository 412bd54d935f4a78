package dev.jground.nn;

import dev.jground.tensor.TensorView;

/**
 * The op set models are written in. Activations are F32 and row-major; "[.., D]" means any
 * leading dimensions, with the op applied to each row of D. Images and feature maps are
 * [C, H, W] (no batch dimension). Every op returns a new tensor on the same backend, so a
 * chain of ops never leaves the device.
 */
public interface Backend extends AutoCloseable {

    String name();

    // ---- moving data -------------------------------------------------------------------

    Tensor upload(float[] data, int... shape);

    /** A checkpoint tensor in its stored dtype; the CPU keeps the mapping, a GPU uploads once. */
    Tensor weight(TensorView view);

    float[] download(Tensor t);

    /** A tensor of zeros: a buffer that {@link #writeRows} fills in place (the KV cache). */
    Tensor zeros(int... shape);

    /**
     * Copies src's rows into dst from row {@code at} on, in place. The one op that mutates a
     * tensor: caches grow by it without copying what they hold.
     */
    void writeRows(Tensor dst, int at, Tensor src);

    /** The rows of table [V, D] (any float dtype) picked by ids: [ids.length, D]. */
    Tensor embedding(Tensor table, int[] ids);

    /** The same data under another shape of equal element count (no copy where possible). */
    Tensor reshape(Tensor t, int... shape);

    /** The transpose of a matrix [A, B]: [B, A] (a [C, H, W] map read as [C, HW] gives tokens [HW, C]). */
    Tensor transpose(Tensor x, int rows, int cols);

    /** Tensors of equal trailing shape stacked along the first dimension. */
    Tensor concat(Tensor... parts);

    /** Rows [from, to) along the first dimension. */
    Tensor slice(Tensor x, int from, int to);

    // ---- linear algebra ----------------------------------------------------------------

    /** x [.., K] · wᵀ (+ bias) with w [N, K] (F32/F16/BF16) and bias [N] or null: [.., N]. */
    Tensor matmul(Tensor x, Tensor w, Tensor bias);

    /** a + b, where b has a's shape or is one row [D] broadcast over a [.., D]. */
    Tensor add(Tensor a, Tensor b);

    /** a * b elementwise, with the same broadcasting as {@link #add}. */
    Tensor mul(Tensor a, Tensor b);

    Tensor scale(Tensor a, float s);

    // ---- normalisation and activations -------------------------------------------------

    /** Softmax over the last dimension. */
    Tensor softmax(Tensor x);

    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps);

    /**
     * x [C, H, W] normalised over its C channels at each position, then the per-channel affine
     * (segment-anything LayerNorm2d); weight and bias [C] or null.
     */
    Tensor layerNorm2d(Tensor x, Tensor weight, Tensor bias, float eps);

    Tensor rmsNorm(Tensor x, Tensor weight, float eps);

    /** x [C, H, W] normalised over each of {@code groups} channel groups, then per-channel affine. */
    Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps);

    /** Exact erf form. */
    Tensor gelu(Tensor x);

    Tensor geluTanh(Tensor x);

    /** x * sigmoid(1.702 x), CLIP's activation. */
    Tensor quickGelu(Tensor x);

    Tensor silu(Tensor x);

    /** silu(gate) * up, the LLaMA MLP product. */
    Tensor swiglu(Tensor gate, Tensor up);

    // ---- attention ---------------------------------------------------------------------

    /** Rotary embedding in Hugging Face's rotate_half layout on x [T, heads * headDim], token t at position pos0 + t. */
    Tensor rope(Tensor x, int heads, int pos0, float theta);

    /**
     * Scaled dot-product attention over the first {@code keys} rows of k and v (a cache may
     * hold more). q [Tq, H*d], k and v [>= Tk, Hkv*d] with Tk = keys (query head h reads kv
     * head h / (H / Hkv)); causal masks key j for query i when j > Tk - Tq + i. When
     * {@code probs} is not null it receives the probabilities [H, Tq, Tk].
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int keys, int heads, int kvHeads, float scale, boolean causal, float[] probs);

    // ---- images and feature maps -------------------------------------------------------

    /** x [C, H, W], weight [O, C, kh, kw], bias [O] or null: [O, H', W']. */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding);

    /** ConvTranspose2d with kernel 2 and stride 2; weight [C, O, 2, 2]: [O, 2H, 2W]. */
    Tensor convTranspose2x2(Tensor x, Tensor weight, Tensor bias);

    Tensor upsampleNearest(Tensor x, int outH, int outW);

    Tensor upsampleBilinear(Tensor x, int outH, int outW, boolean alignCorners);

    /** PyTorch's bicubic interpolation (A = -0.75). */
    Tensor resizeBicubic(Tensor x, int outH, int outW, boolean alignCorners);

    // ---- added for SAM (segment-anything image_encoder.py, mask_decoder.py) ------------

    /** max(x, 0). */
    Tensor relu(Tensor x);

    /**
     * A channels-last token grid x [H, W, C] zero-padded at the bottom and right to multiples
     * of {@code window}, then cut into windows: [nh * nw, window * window, C], windows row-major
     * over the grid, tokens row-major inside each (segment-anything window_partition).
     */
    Tensor windowPartition(Tensor x, int window);

    /** The inverse of {@link #windowPartition}: [nh * nw, window * window, C] back to [h, w, C], the padding dropped. */
    Tensor windowUnpartition(Tensor x, int window, int h, int w);

    /** x [C, H, W] -> [C, height, width], the region whose top-left corner is (top, left); it must lie inside. */
    Tensor crop(Tensor x, int top, int left, int height, int width);

    /**
     * SAM ViT attention with decomposed relative positions in the size x size windows of one
     * h x w token grid, cut from it in place (window_partition, Attention and window_unpartition
     * in one; one window of the grid's size is a global block). qkv [h, w, 3*heads*d], each row
     * [q | k | v], heads contiguous within each part; out [h, w, heads*d]. The grid is padded at
     * the bottom and right to whole windows: pad [3*heads*d] is the q | k | v row of each padding
     * token (SAM zero-pads the normalised grid, so the qkv bias), null for zeros; padding tokens
     * are keys, never queries. relPosH and relPosW [2*size - 1, d]. For query i at (yi, xi) and
     * key j at (yj, xj) of a window: logit = scale q.k + q.relPosH[yi-yj+size-1] +
     * q.relPosW[xi-xj+size-1] (q unscaled in the position terms), softmax over j, sum of p v.
     */
    Tensor relPosAttention(Tensor qkv, int heads, int size, float scale, Tensor relPosH, Tensor relPosW, Tensor pad);

    // ---- added for Stable Diffusion (diffusers UNet2DConditionModel, AutoencoderKL) -------

    /** e^x elementwise. */
    Tensor exp(Tensor x);

    /** min(max(x, lo), hi) elementwise (torch.clamp). */
    Tensor clamp(Tensor x, float lo, float hi);

    /** x [C, H, W] zero-padded: [C, top + H + bottom, left + W + right] (F.pad with (left, right, top, bottom)). */
    Tensor pad(Tensor x, int top, int bottom, int left, int right);

    @Override default void close() {}
}
