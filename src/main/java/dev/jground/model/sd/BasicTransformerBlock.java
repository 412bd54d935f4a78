package dev.jground.model.sd;

import dev.jground.model.LayerNorm;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * diffusers attention.py BasicTransformerBlock (pre-norm, LayerNorm eps 1e-5): self-attention,
 * cross-attention to the context, GEGLU feed-forward, each added back to the tokens.
 */
final class BasicTransformerBlock {
    private static final float EPS = 1e-5f;

    private final LayerNorm norm1, norm2, norm3;
    private final CrossAttention attn1, attn2;
    private final FeedForward ff;

    BasicTransformerBlock(Weights w, int dim, int heads, int contextDim) {
        norm1 = LayerNorm.of(w, "norm1", dim, EPS);
        attn1 = new CrossAttention(w.at("attn1"), dim, dim, heads);
        norm2 = LayerNorm.of(w, "norm2", dim, EPS);
        attn2 = new CrossAttention(w.at("attn2"), dim, contextDim, heads);
        norm3 = LayerNorm.of(w, "norm3", dim, EPS);
        ff = new FeedForward(w.at("ff"), dim);
    }

    /** x [T, dim] tokens, context [S, contextDim] -> [T, dim]. */
    Tensor forward(Backend b, Tensor x, Tensor context) {
        x = b.add(attn1.forward(b, norm1.forward(b, x), null), x);
        x = b.add(attn2.forward(b, norm2.forward(b, x), context), x);
        return b.add(ff.forward(b, norm3.forward(b, x)), x);
    }
}
