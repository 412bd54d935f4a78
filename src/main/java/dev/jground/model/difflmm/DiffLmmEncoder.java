package dev.jground.model.difflmm;

import dev.jground.io.config.DiffLmmConfig;
import dev.jground.model.clip.ClipVisionModel;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * Preprocessed pixels -> DiffLMM's visual tokens (groundLMM llava_arch.py encode_images:
 * mm_projector(vision_tower(images))), the picture of difflmm-spec.md after step 1: CLIP patch
 * features of the re-normalised image, the implicit caption, one noised UNet pass, and
 * SDCLIPBlock over the selected up block and the CLIP features.
 */
public final class DiffLmmEncoder {

    /** Every stage, without the batch dimension. */
    public record Output(Tensor clipPixels, Tensor clipFeatures, Tensor encoderHiddenStates, DiffLmmVisionTower.Output tower,
                         Tensor sdFeatures, Tensor visualTokens) {}

    private final DiffLmmVisionTower tower;
    private final SdClipBlock projector;
    private final ClipVisionModel clip;   // null: the caller gives the CLIP features
    private final int selectLayer;

    /** clip may be null when every call gives its CLIP features (the golden case does). */
    public DiffLmmEncoder(DiffLmmVisionTower tower, SdClipBlock projector, ClipVisionModel clip, DiffLmmConfig c) {
        this.tower = tower;
        this.projector = projector;
        this.clip = clip;
        selectLayer = c.mmVisionSelectLayer();
        if (selectLayer < 0 || selectLayer >= tower.upBlockCount())
            throw new IllegalArgumentException("mm_vision_select_layer " + selectLayer + " is not one of the UNet's "
                    + tower.upBlockCount() + " up blocks");
        if (clip != null && clip.config().hiddenSize() != c.mmVisionSdClipProjIn())
            throw new IllegalArgumentException("the CLIP tower is " + clip.config().hiddenSize()
                    + " wide, mm_vision_sd_clip_proj_in says " + c.mmVisionSdClipProjIn());
        int clipSide = c.mmVisionResolution() * 7 / 8;   // what sd_to_clip_img makes of the SD input
        if (clip != null && clip.config().imageSize() != clipSide)
            throw new IllegalArgumentException("the CLIP tower takes " + clip.config().imageSize() + " px, but mm_vision_resolution "
                    + c.mmVisionResolution() + " gives it " + clipSide + " px");
    }

    public DiffLmmVisionTower tower() { return tower; }

    public ClipVisionModel clip() { return clip; }

    /**
     * From preprocessed pixels [3, R, R]. clipFeatures [tokens, clip width] stand in for the CLIP
     * tower when not null; the UNet runs through up block max(lastUpBlock, mm_vision_select_layer).
     */
    public Output encode(Backend b, Tensor pixels, Tensor clipFeatures, Noise noise, int lastUpBlock) {
        Tensor clipPixels = DiffLmmVisionTower.clipPixels(b, pixels);
        Tensor features = clipFeatures != null ? clipFeatures : clipFeatures(b, clipPixels);
        Tensor context = projector.implicitCaption(b, features);
        DiffLmmVisionTower.Output o = tower.forward(b, pixels, context, noise, Math.max(lastUpBlock, selectLayer));
        Tensor sd = projector.sdFeatures(b, o.unet().upBlocks().get(selectLayer));
        return new Output(clipPixels, features, context, o, sd, projector.visualTokens(b, sd, features));
    }

    /** hidden_states[-2][:, 1:] of the CLIP tower: the penultimate layer, CLS dropped (spec step 4.2). */
    private Tensor clipFeatures(Backend b, Tensor clipPixels) {
        if (clip == null) throw new IllegalStateException("no CLIP tower loaded and no CLIP features given");
        Tensor h = clip.hiddenState(b, clipPixels, clip.config().numHiddenLayers() - 1);
        return b.slice(h, 1, h.shape()[0]);
    }
}
