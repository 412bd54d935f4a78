package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A LLaMA decoder's configuration, with transformers' {@code LlamaConfig} defaults for every
 * key the file leaves out (llava-1.5's {@code text_config} relies on most of them).
 *
 * @param headDim        {@code head_dim}, else hidden_size / num_attention_heads
 * @param padTokenId     null when the config has none
 * @param ropeScaling    the raw {@code rope_scaling} object, null for plain RoPE
 */
public record LlamaConfig(
        int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
        int numAttentionHeads, int numKeyValueHeads, int headDim, String hiddenAct,
        int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, Map<String, Object> ropeScaling,
        boolean tieWordEmbeddings, boolean attentionBias, boolean mlpBias,
        int bosTokenId, int eosTokenId, Integer padTokenId) {

    public static LlamaConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static LlamaConfig parse(JsonObject c) {
        int hidden = c.integer("hidden_size", 4096);
        int heads = c.integer("num_attention_heads", 32);
        int kvHeads = c.integer("num_key_value_heads", heads);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new JsonException(c.source() + ": num_attention_heads " + heads
                    + " must be a positive multiple of num_key_value_heads " + kvHeads);
        if (!c.has("head_dim") && hidden % heads != 0)
            throw new JsonException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        return new LlamaConfig(
                c.integer("vocab_size", 32000), hidden, c.integer("intermediate_size", 11008),
                c.integer("num_hidden_layers", 32), heads, kvHeads, c.integer("head_dim", hidden / heads),
                c.string("hidden_act", "silu"), c.integer("max_position_embeddings", 2048),
                c.number("rms_norm_eps", 1e-6), c.number("rope_theta", 10000.0),
                c.has("rope_scaling") ? c.object("rope_scaling").map() : null,
                c.bool("tie_word_embeddings", false), c.bool("attention_bias", false), c.bool("mlp_bias", false),
                c.integer("bos_token_id", 1), firstId(c, "eos_token_id", 2), c.has("pad_token_id") ? c.integer("pad_token_id") : null);
    }

    /** Llama-3-style configs give a list of end ids; the first is the canonical one. */
    static int firstId(JsonObject c, String key, int def) {
        if (c.get(key) instanceof List<?>) {
            int[] ids = c.intArray(key);
            if (ids.length == 0) throw new JsonException(c.source() + ": " + key + " is an empty list");
            return ids[0];
        }
        return c.integer(key, def);
    }
}
