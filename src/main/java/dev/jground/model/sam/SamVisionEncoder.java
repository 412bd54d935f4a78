package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ImageEncoderViT (transformers SamVisionEncoder): patch embedding, absolute positions,
 * transformer blocks (windowed, except the global-attention ones), and the neck.
 */
public final class SamVisionEncoder {

    /**
     * patchEmbed and each layer's output are channels-last tokens [g*g, D] (patchEmbed before
     * the positions are added); the neck stages are [C, g, g]; imageEmbeddings is the last.
     */
    public record Output(Tensor patchEmbed, List<Tensor> layers, Tensor neckConv1, Tensor neckLayerNorm1, Tensor neckConv2,
                         Tensor imageEmbeddings) {}

    private final SamPatchEmbeddings patchEmbed;
    private final Tensor posEmbed;   // pos_embed [1, g, g, D], channels last
    private final List<SamVisionLayer> layers = new ArrayList<>();
    private final SamVisionNeck neck;
    private final SamConfig.Vision config;

    /** w is scoped to "vision_encoder". */
    SamVisionEncoder(Weights w, SamConfig.Vision c) {
        config = c;
        int g = c.gridSize();
        if (g * c.patchSize() != c.imageSize())
            throw new IllegalArgumentException("SAM vision config: image_size " + c.imageSize() + " is not a multiple of patch_size " + c.patchSize());
        patchEmbed = new SamPatchEmbeddings(w.at("patch_embed"), c);
        posEmbed = c.useAbsPos() ? w.get("pos_embed", 1, g, g, c.hiddenSize()) : null;
        int[] global = c.globalAttnIndexes();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            final int layer = i;
            boolean isGlobal = Arrays.stream(global).anyMatch(k -> k == layer);
            layers.add(new SamVisionLayer(w.at("layers." + i), c, isGlobal ? 0 : c.windowSize()));
        }
        neck = new SamVisionNeck(w.at("neck"), c);
    }

    /** pixels [3, S, S], normalised and padded as {@code SamImageProcessor} makes them. */
    public Output forward(Backend b, Tensor pixels) {
        int[] s = pixels.shape();
        if (s.length != 3 || s[0] != config.numChannels() || s[1] != config.imageSize() || s[2] != config.imageSize())
            throw new IllegalArgumentException("SAM image encoder: pixels " + Arrays.toString(s) + ", expected ["
                    + config.numChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        int g = config.gridSize(), d = config.hiddenSize();
        Tensor patches = patchEmbed.forward(b, pixels);
        Tensor x = posEmbed == null ? patches : b.add(patches, b.reshape(posEmbed, g * g, d));
        List<Tensor> outputs = new ArrayList<>();
        for (SamVisionLayer layer : layers) {
            x = layer.forward(b, x, g);
            outputs.add(x);
        }
        SamVisionNeck.Stages n = neck.forward(b, b.reshape(b.transpose(x, g * g, d), d, g, g));
        return new Output(patches, outputs, n.conv1(), n.layerNorm1(), n.conv2(), n.layerNorm2());
    }
}
