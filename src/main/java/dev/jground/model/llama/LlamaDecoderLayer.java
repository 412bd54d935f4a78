package dev.jground.model.llama;

import dev.jground.io.config.LlamaConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** LlamaDecoderLayer: pre-norm attention and MLP, each with a residual. */
final class LlamaDecoderLayer {
    private final RmsNorm inputLayernorm, postAttentionLayernorm;
    private final LlamaAttention selfAttn;
    private final LlamaMlp mlp;

    LlamaDecoderLayer(Weights w, LlamaConfig c) {
        inputLayernorm = RmsNorm.of(w, "input_layernorm", c.hiddenSize(), c.rmsNormEps());
        selfAttn = new LlamaAttention(w.at("self_attn"), c);
        postAttentionLayernorm = RmsNorm.of(w, "post_attention_layernorm", c.hiddenSize(), c.rmsNormEps());
        mlp = new LlamaMlp(w.at("mlp"), c);
    }

    /** probs, when not null, receives the attention probabilities of the last {@code queries} queries [heads, queries, keys]. */
    Tensor forward(Backend b, Tensor x, KvCache cache, int layer, float[] probs, int queries) {
        Tensor n1 = inputLayernorm.forward(b, x), a = selfAttn.forward(b, n1, cache, layer, probs, queries), h = b.add(x, a);
        Tensor n2 = postAttentionLayernorm.forward(b, h), m = mlp.forward(b, n2), y = b.add(h, m);
        Tensor.close(n1, a, h, n2, m);
        return y;
    }

    int heads() { return selfAttn.heads(); }
}
