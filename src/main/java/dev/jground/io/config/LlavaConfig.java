package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;
import java.util.List;

/**
 * LLaVA-1.5 ({@code LlavaForConditionalGeneration}) with transformers' {@code LlavaConfig}
 * defaults. A missing {@code vision_config} is CLIP ViT-L/14-336; a present one fills its
 * gaps from {@code CLIPVisionConfig}'s own defaults; {@code text_config} from {@code LlamaConfig}'s.
 *
 * @param visionFeatureLayer index into CLIP's hidden states (-2: the second-to-last layer's output)
 * @param padTokenId         null when absent
 */
public record LlavaConfig(
        ClipVisionConfig vision, LlamaConfig text, int imageTokenIndex, String projectorHiddenAct,
        String visionFeatureSelectStrategy, int visionFeatureLayer, int imageSeqLength,
        boolean multimodalProjectorBias, Integer padTokenId) {

    /** {@code configuration_llava.py}: the vision tower used when the config names none. */
    public static final ClipVisionConfig DEFAULT_VISION = new ClipVisionConfig(1024, 4096, 24, 16, 3, 336, 14, "quick_gelu", 1e-5, 768);

    public static LlavaConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static LlavaConfig parse(JsonObject c) {
        ClipVisionConfig vision = c.has("vision_config")
                ? ClipVisionConfig.parse(c.object("vision_config"), ClipVisionConfig.DEFAULTS)
                : DEFAULT_VISION;
        LlamaConfig text = LlamaConfig.parse(c.object("text_config"));
        String strategy = c.string("vision_feature_select_strategy", "default");
        if (!strategy.equals("default") && !strategy.equals("full"))
            throw new JsonException(c.source() + ": vision_feature_select_strategy must be \"default\" or \"full\", got \""
                    + strategy + "\"");
        if (c.get("vision_feature_layer") instanceof List<?>)
            throw new JsonException(c.source() + ": vision_feature_layer as a list of layers is not supported");
        // Newer transformers spell it image_token_id; both mean the <image> placeholder id.
        int imageToken = c.has("image_token_index") ? c.integer("image_token_index") : c.integer("image_token_id", 32000);
        return new LlavaConfig(vision, text, imageToken, c.string("projector_hidden_act", "gelu"), strategy,
                c.integer("vision_feature_layer", -2), c.integer("image_seq_length", 576),
                c.bool("multimodal_projector_bias", true), c.has("pad_token_id") ? c.integer("pad_token_id") : null);
    }
}
