package dev.jground.model.sd;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * The VAE's mid-block attention (diffusers 0.15 attention.py AttentionBlock): GroupNorm, the map
 * as row-major tokens, one head of width C (scale 1/sqrt(C)), the output projection, + the
 * input. SD-1.5's file keeps the legacy names {@code query/key/value/proj_attn}; files saved by
 * newer diffusers say {@code to_q/to_k/to_v/to_out.0}, and converted CompVis files store the
 * projections as [C, C, 1, 1]: all three are read.
 */
final class AttentionBlock {
    private final GroupNorm groupNorm;
    private final Linear query, key, value, projAttn;
    private final float scale;

    AttentionBlock(Weights w, int channels, int groups, float eps) {
        groupNorm = new GroupNorm(w.at("group_norm"), groups, channels, eps);
        boolean legacy = w.has("query.weight");
        query = projection(w, legacy ? "query" : "to_q", channels);
        key = projection(w, legacy ? "key" : "to_k", channels);
        value = projection(w, legacy ? "value" : "to_v", channels);
        projAttn = projection(w, legacy ? "proj_attn" : "to_out.0", channels);
        scale = (float) (1 / Math.sqrt(channels));
    }

    private static Linear projection(Weights w, String name, int c) {
        Weights s = w.at(name);
        Tensor bias = s.get("bias", c);
        if (s.view("weight").rank() == 4) return new Linear(w.backend().reshape(s.get("weight", c, c, 1, 1), c, c), bias);
        return new Linear(s.get("weight", c, c), bias);
    }

    /** x [C, H, W] -> [C, H, W]. */
    Tensor forward(Backend b, Tensor x) {
        int[] s = x.shape();
        int c = s[0], hw = s[1] * s[2];
        Tensor tokens = b.transpose(groupNorm.forward(b, x), c, hw);
        Tensor y = b.attention(query.forward(b, tokens), key.forward(b, tokens), value.forward(b, tokens), hw, 1, 1, scale, false, null);
        y = projAttn.forward(b, y);
        return b.add(b.reshape(b.transpose(y, hw, c), s), x);
    }
}
