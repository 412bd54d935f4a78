package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

/**
 * The ViT's multi-head attention with decomposed relative positions (image_encoder.py
 * Attention): one qkv projection [q | k | v], logits (q d^-1/2) kᵀ plus the height and width
 * position terms of the unscaled q, softmax, proj.
 */
final class SamVisionAttention {
    private final Linear qkv, proj;
    private final Tensor relPosH, relPosW;   // rel_pos_h, rel_pos_w, resized to [2S - 1, d] for this block's grid
    private final int heads, size;
    private final float scale;

    /** {@code window}: the side of the windows, or 0 in a global block, which attends over the whole grid. */
    SamVisionAttention(Weights w, SamConfig.Vision c, int window) {
        int d = c.hiddenSize();
        if (!c.useRelPos()) throw new IllegalArgumentException("SAM vision config: use_rel_pos false is not supported");
        if (d % c.numAttentionHeads() != 0)
            throw new IllegalArgumentException("SAM vision config: hidden_size " + d + " is not a multiple of " + c.numAttentionHeads() + " heads");
        qkv = Linear.of(w, "qkv", d, 3 * d);
        proj = Linear.of(w, "proj", d, d);
        heads = c.numAttentionHeads();
        size = window > 0 ? window : c.gridSize();
        scale = (float) Math.pow(c.headDim(), -0.5);
        relPosH = table(w, "rel_pos_h", c.headDim(), size);
        relPosW = table(w, "rel_pos_w", c.headDim(), size);
    }

    /** x [g*g, D], the normalised tokens of a g x g grid -> [g*g, D]. */
    Tensor forward(Backend b, Tensor x, int grid) {
        int d = x.shape()[1];
        Tensor packed = qkv.forward(b, x), qkvGrid = b.reshape(packed, grid, grid, 3 * d);
        // the official code zero-pads the normalised grid to whole windows: a padding token's q, k and v are the qkv bias
        Tensor y = b.relPosAttention(qkvGrid, heads, size, scale, relPosH, relPosW, qkv.bias()), tokens = b.reshape(y, grid * grid, d);
        Tensor out = proj.forward(b, tokens);
        Tensor.close(packed, qkvGrid, y, tokens);
        return out;
    }

    /** The height table as this block uses it (tests). */
    Tensor relPosH() { return relPosH; }

    /**
     * A position table with 2·size - 1 rows; a stored table of another length is resized as
     * get_rel_pos does (F.interpolate, mode linear, align_corners False, along the rows).
     */
    private static Tensor table(Weights w, String name, int headDim, int size) {
        TensorView v = w.view(name);
        int rows = 2 * size - 1;
        if (v.rank() != 2 || v.dim(1) != headDim)
            throw new IllegalArgumentException(w.checkpoint().root().getFileName() + ": tensor '" + w.prefix() + name + "' has shape "
                    + Shapes.str(v.shape()) + ", config says [L, " + headDim + "]");
        Backend b = w.backend();
        Tensor t = b.weight(v);
        if (v.dim(0) == rows) return t;
        Tensor columns = b.reshape(b.transpose(t, v.dim(0), headDim), headDim, 1, v.dim(0));
        return b.transpose(b.upsampleBilinear(columns, 1, rows, false), headDim, rows);
    }
}
