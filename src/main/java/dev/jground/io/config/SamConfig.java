package dev.jground.io.config;

import dev.jground.io.JsonObject;

import java.nio.file.Path;

/**
 * Segment Anything ({@code SamModel}) with transformers' {@code SamVisionConfig},
 * {@code SamPromptEncoderConfig} and {@code SamMaskDecoderConfig} defaults (which describe
 * sam-vit-huge's decoder and a ViT-B image encoder). Real configs also carry ~45 generic
 * PretrainedConfig keys per part (id2label, ...): ignored.
 */
public record SamConfig(Vision vision, PromptEncoder promptEncoder, MaskDecoder maskDecoder) {

    /**
     * @param mlpDim            the encoder MLP width ({@code mlp_dim}, else hidden_size x mlp_ratio);
     *                          {@code intermediate_size}/{@code projection_dim} are unused by SamModel
     * @param globalAttnIndexes blocks with global attention; the others use windows of windowSize
     */
    public record Vision(int hiddenSize, int outputChannels, int numHiddenLayers, int numAttentionHeads,
                         int numChannels, int imageSize, int patchSize, String hiddenAct, double layerNormEps,
                         boolean qkvBias, int mlpDim, boolean useAbsPos, boolean useRelPos, int windowSize,
                         int[] globalAttnIndexes, int numPosFeats) {
        static Vision parse(JsonObject c) {
            int hidden = c.integer("hidden_size", 768);
            double mlpRatio = c.number("mlp_ratio", 4.0);
            return new Vision(hidden, c.integer("output_channels", 256), c.integer("num_hidden_layers", 12),
                    c.integer("num_attention_heads", 12), c.integer("num_channels", 3), c.integer("image_size", 1024),
                    c.integer("patch_size", 16), c.string("hidden_act", "gelu"), c.number("layer_norm_eps", 1e-6),
                    c.bool("qkv_bias", true), c.integer("mlp_dim", (int) (hidden * mlpRatio)), c.bool("use_abs_pos", true),
                    c.bool("use_rel_pos", true), c.integer("window_size", 14),
                    c.has("global_attn_indexes") ? c.intArray("global_attn_indexes") : new int[] {2, 5, 8, 11},
                    c.integer("num_pos_feats", 128));
        }

        @Override public int[] globalAttnIndexes() { return globalAttnIndexes.clone(); }

        public int headDim() { return hiddenSize / numAttentionHeads; }

        /** Patches per side of the image embedding: 64 for 1024 / 16. */
        public int gridSize() { return imageSize / patchSize; }
    }

    /** @param imageEmbeddingSize image_size / patch_size, computed as transformers does (the stored key is ignored) */
    public record PromptEncoder(int hiddenSize, int imageSize, int patchSize, int imageEmbeddingSize, int maskInputChannels,
                                int numPointEmbeddings, String hiddenAct, double layerNormEps) {
        static PromptEncoder parse(JsonObject c) {
            int image = c.integer("image_size", 1024), patch = c.integer("patch_size", 16);
            return new PromptEncoder(c.integer("hidden_size", 256), image, patch, image / patch,
                    c.integer("mask_input_channels", 16), c.integer("num_point_embeddings", 4),
                    c.string("hidden_act", "gelu"), c.number("layer_norm_eps", 1e-6));
        }
    }

    public record MaskDecoder(int hiddenSize, String hiddenAct, int mlpDim, int numHiddenLayers, int numAttentionHeads,
                              int attentionDownsampleRate, int numMultimaskOutputs, int iouHeadDepth, int iouHeadHiddenDim,
                              double layerNormEps) {
        static MaskDecoder parse(JsonObject c) {
            return new MaskDecoder(c.integer("hidden_size", 256), c.string("hidden_act", "relu"), c.integer("mlp_dim", 2048),
                    c.integer("num_hidden_layers", 2), c.integer("num_attention_heads", 8),
                    c.integer("attention_downsample_rate", 2), c.integer("num_multimask_outputs", 3),
                    c.integer("iou_head_depth", 3), c.integer("iou_head_hidden_dim", 256), c.number("layer_norm_eps", 1e-6));
        }
    }

    public static SamConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static SamConfig parse(JsonObject c) {
        return new SamConfig(Vision.parse(c.object("vision_config")), PromptEncoder.parse(c.object("prompt_encoder_config")),
                MaskDecoder.parse(c.object("mask_decoder_config")));
    }
}
