package dev.jground.io.config;

import dev.jground.io.JsonObject;

import java.util.List;

/** Which architecture a {@code config.json} describes, from model_type, architectures or _class_name. */
public enum ModelKind {
    CLIP_VISION("CLIPVisionModel"),
    LLAVA("LlavaForConditionalGeneration"),
    LLAVA_LLAMA_DIFFLMM("LlavaLlamaForCausalLM (DiffLMM)"),
    SAM("SamModel"),
    UNET2D_CONDITION("UNet2DConditionModel"),
    AUTOENCODER_KL("AutoencoderKL"),
    UNKNOWN("unknown");

    private final String humanName;

    ModelKind(String humanName) { this.humanName = humanName; }

    public String humanName() { return humanName; }

    /**
     * diffusers configs name their class in {@code _class_name}; transformers configs give
     * {@code model_type} and usually {@code architectures}. A full CLIPModel config counts as
     * CLIP_VISION: its vision tower is what jground runs.
     */
    public static ModelKind detect(JsonObject config) {
        switch (config.string("_class_name", "")) {
            case "UNet2DConditionModel": return UNET2D_CONDITION;
            case "AutoencoderKL": return AUTOENCODER_KL;
            default: break;
        }
        ModelKind byType = switch (config.string("model_type", "")) {
            case "llava" -> LLAVA;
            case "llava_llama" -> LLAVA_LLAMA_DIFFLMM;
            case "sam" -> SAM;
            case "clip_vision_model", "clip" -> CLIP_VISION;
            default -> UNKNOWN;
        };
        if (byType != UNKNOWN) return byType;
        List<String> archs = config.get("architectures") instanceof List<?> ? config.stringList("architectures") : List.of();
        for (String a : archs) {
            switch (a) {
                case "LlavaForConditionalGeneration": return LLAVA;
                case "LlavaLlamaForCausalLM": return LLAVA_LLAMA_DIFFLMM;
                case "SamModel": return SAM;
                case "CLIPVisionModel", "CLIPModel": return CLIP_VISION;
                default: break;
            }
        }
        return UNKNOWN;
    }
}
