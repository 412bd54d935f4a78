package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;

/**
 * A CLIP vision tower's configuration with transformers' {@code CLIPVisionConfig} defaults
 * (ViT-B/32 at 224 px). Parsing a full {@code CLIPModel} config ({@code model_type: clip})
 * reads its {@code vision_config}, as {@code CLIPVisionConfig.from_pretrained} does.
 */
public record ClipVisionConfig(
        int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
        int numChannels, int imageSize, int patchSize, String hiddenAct, double layerNormEps, int projectionDim) {

    /** {@code CLIPVisionConfig()}: ViT-B/32 at 224 px. */
    public static final ClipVisionConfig DEFAULTS = new ClipVisionConfig(768, 3072, 12, 12, 3, 224, 32, "quick_gelu", 1e-5, 512);

    public static ClipVisionConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static ClipVisionConfig parse(JsonObject c) {
        if ("clip".equals(c.string("model_type", null))) c = c.object("vision_config");
        return parse(c, DEFAULTS);
    }

    /** Keys the object lacks take their value from {@code defaults}. */
    static ClipVisionConfig parse(JsonObject c, ClipVisionConfig defaults) {
        ClipVisionConfig r = new ClipVisionConfig(
                c.integer("hidden_size", defaults.hiddenSize), c.integer("intermediate_size", defaults.intermediateSize),
                c.integer("num_hidden_layers", defaults.numHiddenLayers), c.integer("num_attention_heads", defaults.numAttentionHeads),
                c.integer("num_channels", defaults.numChannels), c.integer("image_size", defaults.imageSize),
                c.integer("patch_size", defaults.patchSize), c.string("hidden_act", defaults.hiddenAct),
                c.number("layer_norm_eps", defaults.layerNormEps), c.integer("projection_dim", defaults.projectionDim));
        if (r.numAttentionHeads <= 0 || r.hiddenSize % r.numAttentionHeads != 0)
            throw new JsonException(c.source() + ": hidden_size " + r.hiddenSize + " is not divisible by num_attention_heads "
                    + r.numAttentionHeads);
        if (r.patchSize <= 0 || r.imageSize % r.patchSize != 0)
            throw new JsonException(c.source() + ": image_size " + r.imageSize + " is not a multiple of patch_size " + r.patchSize);
        return r;
    }

    public int headDim() { return hiddenSize / numAttentionHeads; }

    /** Patches per side: 24 for ViT-L/14 at 336 px. */
    public int gridSize() { return imageSize / patchSize; }

    public int numPatches() { return gridSize() * gridSize(); }

    /** Patches plus the class token. */
    public int numPositions() { return numPatches() + 1; }
}
