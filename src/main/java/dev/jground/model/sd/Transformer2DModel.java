package dev.jground.model.sd;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * diffusers transformer_2d.py Transformer2DModel on a continuous map: GroupNorm (eps 1e-6, hard
 * coded), proj_in, the map as row-major tokens [HW, C], one BasicTransformerBlock, back to
 * [C, H, W], proj_out, + the input. proj_in/proj_out are 1x1 convs applied to the map (SD-1.5)
 * or, with use_linear_projection (SD-2.x), Linears applied to the tokens.
 */
final class Transformer2DModel {
    private static final float NORM_EPS = 1e-6f;

    /** A block's transformers: heads (attention_head_dim), context width (cross_attention_dim), use_linear_projection. */
    record Settings(int heads, int contextDim, boolean linearProjection) {}

    private final GroupNorm norm;
    private final Conv2d projInConv, projOutConv;   // SD-1.5: 1x1 convs on the map
    private final Linear projIn, projOut;           // use_linear_projection: on the tokens
    private final BasicTransformerBlock block;

    Transformer2DModel(Weights w, int channels, int groups, Settings s) {
        norm = new GroupNorm(w.at("norm"), groups, channels, NORM_EPS);
        if (s.linearProjection()) {
            projIn = Linear.of(w, "proj_in", channels, channels);
            projOut = Linear.of(w, "proj_out", channels, channels);
            projInConv = projOutConv = null;
        } else {
            projInConv = Conv2d.same(w, "proj_in", channels, channels, 1);
            projOutConv = Conv2d.same(w, "proj_out", channels, channels, 1);
            projIn = projOut = null;
        }
        block = new BasicTransformerBlock(w.at("transformer_blocks.0"), channels, s.heads(), s.contextDim());
    }

    /** x [C, H, W], context [S, contextDim] -> [C, H, W]. */
    Tensor forward(Backend b, Tensor x, Tensor context) {
        int[] s = x.shape();
        int c = s[0], hw = s[1] * s[2];
        Tensor h = norm.forward(b, x);
        Tensor tokens = projIn == null ? tokens(b, projInConv.forward(b, h), c, hw) : projIn.forward(b, tokens(b, h, c, hw));
        tokens = block.forward(b, tokens, context);
        Tensor y = projOut == null ? projOutConv.forward(b, map(b, tokens, s)) : map(b, projOut.forward(b, tokens), s);
        return b.add(y, x);
    }

    /** [C, H, W] -> [HW, C]. */
    private static Tensor tokens(Backend b, Tensor map, int c, int hw) { return b.transpose(map, c, hw); }

    /** [HW, C] -> [C, H, W]. */
    private static Tensor map(Backend b, Tensor tokens, int[] shape) {
        return b.reshape(b.transpose(tokens, shape[1] * shape[2], shape[0]), shape);
    }
}
