package dev.jground.model.difflmm;

import dev.jground.io.config.DiffLmmConfig;
import dev.jground.model.LayerNorm;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.Arrays;

/**
 * DiffLMM's projector (groundLMM multimodal_projector/builder.py SDCLIPBlock, the
 * {@code mm_projector.*} weights). It owns two things: the implicit caption the UNet attends to
 * (clip_projector + clip_pe, spec step 4.3) and the visual tokens (spec step 6): LayerNorm over
 * the channels of one up block's output, a 1x1 conv with GELU, the raw CLIP features
 * concatenated per position, an MLP, then vt_pe. Both positional tables are learned and simply
 * added row by row: token k gets row k. GELU is the exact erf form throughout.
 */
public final class SdClipBlock {
    private static final float LAYER_NORM_EPS = 1e-5f;   // nn.LayerNorm default

    private final Linear clipProjector0, clipProjector2;   // clip_projector.{0,2} (1 is the GELU)
    private final LayerNorm sdNormLayer;                   // sd_norm_layer
    private final Tensor sdProjLayer0Weight, sdProjLayer0Bias;   // sd_proj_layer.0, a 1x1 Conv2d
    private final Linear linear0, linear2;                 // linear.{0,2}
    private final Tensor clipPe, vtPe;                     // null when mm_vision_sd_pe <= 0
    private final boolean concatClip;
    private final int sdChannels, clipChannels;

    /** w is scoped to the projector ("model.mm_projector"). */
    public SdClipBlock(Weights w, DiffLmmConfig c) {
        if (!c.mmProjectorType().equals("SDCLIPBlock"))
            throw new IllegalArgumentException("mm_projector_type '" + c.mmProjectorType() + "' is not DiffLMM's (SDCLIPBlock)");
        int[] widths = c.mmHiddenSize();
        int select = c.mmVisionSelectLayer();
        if (select < 0 || select >= widths.length - 1)
            throw new IllegalArgumentException("mm_vision_select_layer " + select + " is not one of the " + (widths.length - 1)
                    + " up blocks of mm_hidden_size " + Arrays.toString(widths));
        int hidden = c.text().hiddenSize(), clipIn = c.mmVisionSdClipProjIn(), clipOut = c.mmVisionSdClipProjOut();
        if (hidden % 4 != 0) throw new IllegalArgumentException("hidden_size " + hidden + " is not divisible by 4 (SDCLIPBlock's conv width)");
        int upChannels = widths[select];
        sdChannels = hidden / 4;
        clipChannels = clipIn;
        concatClip = c.mmVisionSdConcatClip();
        clipProjector0 = Linear.of(w, "clip_projector.0", clipIn, clipOut);
        clipProjector2 = Linear.of(w, "clip_projector.2", clipOut, clipOut);
        sdNormLayer = LayerNorm.of(w, "sd_norm_layer", upChannels, LAYER_NORM_EPS);
        sdProjLayer0Weight = w.get("sd_proj_layer.0.weight", sdChannels, upChannels, 1, 1);
        sdProjLayer0Bias = w.get("sd_proj_layer.0.bias", sdChannels);
        int linearIn = concatClip ? sdChannels + clipIn : sdChannels;
        linear0 = Linear.of(w, "linear.0", linearIn, hidden);
        linear2 = Linear.of(w, "linear.2", hidden, hidden);
        clipPe = c.addPe() ? w.get("clip_pe", c.mmVisionSdPe(), clipOut) : null;
        vtPe = c.addPe() ? w.get("vt_pe", c.mmVisionSdPe(), hidden) : null;
    }

    /**
     * The UNet's cross-attention context from CLIP patch features [N, clip_proj_in] (sd_encoder.py
     * SDCLIPFeaturizer.forward with implicit_caption): clip_projector, then clip_pe.
     */
    public Tensor implicitCaption(Backend b, Tensor clipFeatures) {
        checkTokens("CLIP features", clipFeatures, clipChannels, clipPe);
        Tensor x = clipProjector2.forward(b, b.gelu(clipProjector0.forward(b, clipFeatures)));
        return clipPe == null ? x : b.add(x, clipPe);
    }

    /** sd_norm_layer over the channels at each position, then sd_proj_layer: up [C, H, W] -> [hidden / 4, H, W]. */
    public Tensor sdFeatures(Backend b, Tensor up) {
        Tensor normed = b.layerNorm2d(up, sdNormLayer.weight(), sdNormLayer.bias(), sdNormLayer.eps());
        return b.gelu(b.conv2d(normed, sdProjLayer0Weight, sdProjLayer0Bias, 1, 0));
    }

    /**
     * The visual tokens [H W, hidden] from sdFeatures [hidden / 4, H, W] and the CLIP features
     * [H W, clip_proj_in]: token k is position (k / W, k % W), its SD channels first, then its CLIP
     * features (the reference concatenates the two maps on channels and flattens row-major).
     */
    public Tensor visualTokens(Backend b, Tensor sdFeatures, Tensor clipFeatures) {
        int[] s = sdFeatures.shape();
        if (s.length != 3 || s[0] != sdChannels)
            throw new IllegalArgumentException("SDCLIPBlock: SD features " + Arrays.toString(s) + " are not [" + sdChannels + ", H, W]");
        int positions = s[1] * s[2];
        Tensor channelsFirst = b.reshape(sdFeatures, sdChannels, positions);
        if (concatClip) {
            checkTokens("CLIP features", clipFeatures, clipChannels, null);
            if (clipFeatures.shape()[0] != positions)
                throw new IllegalArgumentException("SDCLIPBlock: " + clipFeatures.shape()[0] + " CLIP tokens for a " + s[1] + "x" + s[2]
                        + " SD feature map");
            channelsFirst = b.concat(channelsFirst, b.transpose(clipFeatures, positions, clipChannels));
        }
        Tensor tokens = b.transpose(channelsFirst, channelsFirst.shape()[0], positions);
        if (vtPe != null && vtPe.shape()[0] != positions)
            throw new IllegalArgumentException("SDCLIPBlock: vt_pe has " + vtPe.shape()[0] + " rows for " + positions + " tokens");
        Tensor x = linear2.forward(b, b.gelu(linear0.forward(b, tokens)));
        return vtPe == null ? x : b.add(x, vtPe);
    }

    private static void checkTokens(String what, Tensor x, int width, Tensor pe) {
        int[] s = x.shape();
        if (s.length != 2 || s[1] != width)
            throw new IllegalArgumentException("SDCLIPBlock: " + what + " " + Arrays.toString(s) + " are not [tokens, " + width + "]");
        if (pe != null && pe.shape()[0] != s[0])
            throw new IllegalArgumentException("SDCLIPBlock: clip_pe has " + pe.shape()[0] + " rows for " + s[0] + " tokens");
    }
}
