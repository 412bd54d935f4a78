package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** The neck: 1x1 conv, channel LayerNorm, 3x3 conv (pad 1), channel LayerNorm; the convs have no bias. */
final class SamVisionNeck {
    /** Each stage's output, [C, g, g]. */
    record Stages(Tensor conv1, Tensor layerNorm1, Tensor conv2, Tensor layerNorm2) {}

    private final Tensor conv1, conv2;   // conv1.weight [C, D, 1, 1], conv2.weight [C, C, 3, 3]
    private final SamLayerNorm layerNorm1, layerNorm2;

    SamVisionNeck(Weights w, SamConfig.Vision c) {
        int out = c.outputChannels();
        float eps = (float) c.layerNormEps();
        conv1 = w.get("conv1.weight", out, c.hiddenSize(), 1, 1);
        layerNorm1 = new SamLayerNorm(w, "layer_norm1", out, eps);
        conv2 = w.get("conv2.weight", out, out, 3, 3);
        layerNorm2 = new SamLayerNorm(w, "layer_norm2", out, eps);
    }

    /** map [D, g, g] -> the image embedding [C, g, g] and the stages before it. */
    Stages forward(Backend b, Tensor map) {
        Tensor c1 = b.conv2d(map, conv1, null, 1, 0);
        Tensor n1 = layerNorm1.forward(b, c1);
        Tensor c2 = b.conv2d(n1, conv2, null, 1, 1);
        return new Stages(c1, n1, c2, layerNorm2.forward(b, c2));
    }
}
