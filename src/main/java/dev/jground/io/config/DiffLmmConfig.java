package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;
import java.util.List;

/**
 * DiffLMM's {@code config.json} (groundLMM's {@code LlavaConfig}, model_type "llava_llama"):
 * the LLaMA keys at the top level plus the {@code mm_*} keys of the visual path. A missing
 * key takes groundLMM train.py's {@code ModelArguments} / {@code DataArguments} default, the
 * values a training run writes when not told otherwise (the release sets them all; see
 * difflmm-spec.md, "What the released checkpoint contains").
 *
 * @param mmHiddenSize            the vision tower's channel widths: up blocks 0..3, then CLIP (a list)
 * @param mmVisionSelectLayer     which up block's output SDCLIPBlock reads
 * @param mmVisionResolution      the square side the image is resized to (384 in the release)
 * @param mmVisionSdClipProjIn    the CLIP feature width (1024 for ViT-L/14)
 * @param mmVisionSdClipProjOut   the implicit caption's width = the UNet's cross_attention_dim
 * @param mmVisionSdPe            rows of the learned positional tables; 0 or less: no tables
 */
public record DiffLmmConfig(
        LlamaConfig text, String mmProjectorType, String mmVisionTower, int[] mmHiddenSize, int mmVisionSelectLayer,
        String mmVisionSelectFeature, int mmVisionResolution, int mmVisionSdTimestep, int mmVisionSdEnsembleSize,
        String mmVisionSdClip, int mmVisionSdClipProjIn, int mmVisionSdClipProjOut, boolean mmVisionSdConcatClip,
        boolean mmVisionSdImplicitCaption, int mmVisionSdPe, String imageAspectRatio, String mmPatchMergeType,
        boolean mmUseImStartEnd, boolean mmUseImPatchToken) {

    public static DiffLmmConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static DiffLmmConfig parse(JsonObject c) {
        if (!(c.get("mm_hidden_size") instanceof List<?>))
            throw new JsonException(c.source() + ": mm_hidden_size must be the list of the SD vision tower's widths"
                    + " (up blocks 0..3, then CLIP), got " + c.get("mm_hidden_size"));
        return new DiffLmmConfig(LlamaConfig.parse(c), c.string("mm_projector_type", "linear"),
                c.string("mm_vision_tower", null), c.intArray("mm_hidden_size"), c.integer("mm_vision_select_layer", -1),
                c.string("mm_vision_select_feature", "patch"), c.integer("mm_vision_resolution", 336),
                c.integer("mm_vision_sd_timestep", 100), c.integer("mm_vision_sd_ensemble_size", 1),
                c.string("mm_vision_sd_clip", null), c.integer("mm_vision_sd_clip_proj_in", 1024),
                c.integer("mm_vision_sd_clip_proj_out", 768), c.bool("mm_vision_sd_concat_clip", false),
                c.bool("mm_vision_sd_implicit_caption", false), c.integer("mm_vision_sd_pe", -1),
                c.string("image_aspect_ratio", "square"), c.string("mm_patch_merge_type", "flat"),
                c.bool("mm_use_im_start_end", false), c.bool("mm_use_im_patch_token", true));
    }

    @Override public int[] mmHiddenSize() { return mmHiddenSize.clone(); }

    /** Whether there are learned positional tables (SDCLIPBlock's {@code add_pe}). */
    public boolean addPe() { return mmVisionSdPe > 0; }
}
