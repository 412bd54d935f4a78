package dev.jground.model.clip;

import dev.jground.io.config.ClipVisionConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** CLIPAttention: multi-head self-attention over all tokens (no mask), biased projections. */
final class ClipAttention {
    private final Linear qProj, kProj, vProj, outProj;   // self_attn.{q,k,v,out}_proj
    private final int heads;
    private final float scale;

    ClipAttention(Weights w, ClipVisionConfig c) {
        int d = c.hiddenSize();
        qProj = Linear.of(w, "q_proj", d, d);
        kProj = Linear.of(w, "k_proj", d, d);
        vProj = Linear.of(w, "v_proj", d, d);
        outProj = Linear.of(w, "out_proj", d, d);
        heads = c.numAttentionHeads();
        scale = (float) Math.pow((double) d / heads, -0.5);
    }

    /** x [T, D] -> [T, D]; probs, when not null, receives [heads, T, T]. */
    Tensor forward(Backend b, Tensor x, float[] probs) {
        Tensor q = qProj.forward(b, x), k = kProj.forward(b, x), v = vProj.forward(b, x);
        Tensor y = b.attention(q, k, v, x.shape()[0], heads, heads, scale, false, probs), out = outProj.forward(b, y);
        Tensor.close(q, k, v, y);
        return out;
    }

    int heads() { return heads; }
}
