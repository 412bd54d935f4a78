package dev.jground.model.sd;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * diffusers 0.15 CrossAttention with the default AttnProcessor: to_q, to_k, to_v without bias,
 * heads of width dim / heads, softmax(q kᵀ · head_dim^-0.5) v, then to_out.0 (with bias).
 * Self-attention when no context is given.
 */
final class CrossAttention {
    private final Linear toQ, toK, toV, toOut;
    private final int heads;
    private final float scale;

    /** contextDim: the width of the context (cross_attention_dim), or dim for self-attention. */
    CrossAttention(Weights w, int dim, int contextDim, int heads) {
        if (heads < 1 || dim % heads != 0)
            throw new IllegalArgumentException(w.prefix() + ": " + dim + " channels do not split into " + heads + " heads (attention_head_dim)");
        toQ = Linear.of(w, "to_q", dim, dim);
        toK = Linear.of(w, "to_k", contextDim, dim);
        toV = Linear.of(w, "to_v", contextDim, dim);
        toOut = Linear.of(w.at("to_out"), "0", dim, dim);
        this.heads = heads;
        scale = (float) (1 / Math.sqrt((double) dim / heads));
    }

    /** x [T, dim], context [S, contextDim] or null (self-attention) -> [T, dim]. */
    Tensor forward(Backend b, Tensor x, Tensor context) {
        Tensor kv = context == null ? x : context;
        Tensor y = b.attention(toQ.forward(b, x), toK.forward(b, kv), toV.forward(b, kv), kv.shape()[0], heads, heads, scale, false, null);
        return toOut.forward(b, y);
    }
}
