package dev.jground.model.llama;

import dev.jground.io.config.LlamaConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.List;

/** LlamaForCausalLM: token embeddings, decoder layers, final RMSNorm, lm_head (untied unless the config ties it). */
public final class LlamaForCausalLM {
    private final Tensor embedTokens;                 // model.embed_tokens.weight [V, D]
    private final List<LlamaDecoderLayer> layers = new ArrayList<>();
    private final RmsNorm norm;                       // model.norm
    private final Linear lmHead;                      // lm_head [V, D]
    private final LlamaConfig config;

    /**
     * {@code model} is scoped to the decoder stack (the names under it are embed_tokens,
     * layers.N, norm); {@code head} to where lm_head lives. LLaVA checkpoints put both under
     * other prefixes than a plain LLaMA does.
     */
    public LlamaForCausalLM(Weights model, Weights head, LlamaConfig c) {
        if (c.ropeScaling() != null)
            throw new IllegalArgumentException("rope_scaling " + c.ropeScaling() + " is not supported (plain RoPE is)");
        config = c;
        embedTokens = model.get("embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new LlamaDecoderLayer(model.at("layers." + i), c));
        norm = RmsNorm.of(model, "norm", c.hiddenSize(), c.rmsNormEps());
        lmHead = c.tieWordEmbeddings() ? new Linear(embedTokens, null) : Linear.of(head, "lm_head", c.hiddenSize(), c.vocabSize());
    }

    public LlamaConfig config() { return config; }

    /** A cache for up to {@code capacity} positions. */
    public KvCache newCache(Backend b, int capacity) {
        return new KvCache(b, layers.size(), capacity, config.numKeyValueHeads() * config.headDim());
    }

    /** embed_tokens rows of ids: [T, D]. */
    public Tensor embed(Backend b, int[] ids) { return b.embedding(embedTokens, ids); }

    /**
     * One pass over embeds [T, D] at the next T positions of the cache. Returns the logits of
     * every position [T, V] when {@code allLogits}, else of the last one only [1, V] (a 600-token
     * prompt would otherwise spend more on lm_head than on a decode step). {@code recorder} and
     * {@code hiddenStates} may be null; the latter receives each layer's input and the final norm's output.
     */
    public Tensor forward(Backend b, Tensor embeds, KvCache cache, AttentionRecorder recorder,
                          boolean allLogits, List<Tensor> hiddenStates) {
        int t = embeds.shape()[0], keys = cache.length() + t;
        if (keys > cache.capacity())
            throw new IllegalArgumentException(keys + " positions exceed the KV cache's " + cache.capacity());
        if (keys > config.maxPositionEmbeddings())
            throw new IllegalArgumentException(keys + " positions exceed the model's context of " + config.maxPositionEmbeddings());
        Tensor x = embeds;
        for (int l = 0; l < layers.size(); l++) {
            if (hiddenStates != null) hiddenStates.add(x);
            LlamaDecoderLayer layer = layers.get(l);
            int queries = recorder == null ? 0 : recorder.everyQuery() ? t : 1;
            float[] probs = recorder == null ? null : new float[layer.heads() * queries * keys];
            Tensor in = x;
            x = layer.forward(b, in, cache, l, probs, queries);
            if (in != embeds && hiddenStates == null) in.close();   // the caller's embeds and what it asked to keep stay
            if (recorder != null) recorder.layer(l, probs, layer.heads(), queries, keys);
        }
        cache.advance(t);
        Tensor last = x;
        x = norm.forward(b, last);
        if (hiddenStates != null) hiddenStates.add(x);
        Tensor head = allLogits || t == 1 ? x : b.slice(x, t - 1, t), logits = lmHead.forward(b, head);
        if (hiddenStates == null) {
            if (last != embeds) last.close();
            Tensor.close(head, x);   // head may be x: a second close does nothing
        }
        return logits;
    }

    public int layers() { return layers.size(); }
}
