package dev.jground.model.llama;

import dev.jground.io.config.LlamaConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** LLaMA self-attention: q/k/v projections, rotary positions, grouped-query heads, causal mask. */
final class LlamaAttention {
    private final Linear qProj, kProj, vProj, oProj;   // self_attn.{q,k,v,o}_proj
    private final int heads, kvHeads;
    private final float scale, ropeTheta;

    LlamaAttention(Weights w, LlamaConfig c) {
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        int d = c.hiddenSize(), hd = c.headDim();
        qProj = Linear.of(w, "q_proj", d, heads * hd);
        kProj = Linear.of(w, "k_proj", d, kvHeads * hd);
        vProj = Linear.of(w, "v_proj", d, kvHeads * hd);
        oProj = Linear.of(w, "o_proj", heads * hd, d);
        scale = (float) (1 / Math.sqrt(hd));
        ropeTheta = (float) c.ropeTheta();
    }

    /**
     * x [T, D] of the tokens at positions cache.length() .. + T - 1; probs, when wanted, gets the
     * probabilities [heads, queries, keys] of the last {@code queries} queries: all T, or 1.
     */
    Tensor forward(Backend b, Tensor x, KvCache cache, int layer, float[] probs, int queries) {
        int t = x.shape()[0], pos = cache.length(), keys = pos + t;
        Tensor qp = qProj.forward(b, x), kp = kProj.forward(b, x), v = vProj.forward(b, x);
        Tensor q = b.rope(qp, heads, pos, ropeTheta), k = b.rope(kp, kvHeads, pos, ropeTheta);
        cache.write(b, layer, k, v);
        boolean whole = probs == null || queries == t;
        Tensor y = b.attention(q, cache.keys(layer), cache.values(layer), keys, heads, kvHeads, scale, true, whole ? probs : null);
        if (!whole) {
            // the last query alone again (it sees every key, so the causal mask drops nothing): one
            // row per head comes back from a device instead of the prompt's [heads, T, keys]
            Tensor last = b.slice(q, t - 1, t);
            Tensor.close(last, b.attention(last, cache.keys(layer), cache.values(layer), keys, heads, kvHeads, scale, true, probs));
        }
        Tensor out = oProj.forward(b, y);
        Tensor.close(qp, kp, v, q, k, y);   // the cache holds copies of k and v
        return out;
    }

    int heads() { return heads; }
}
