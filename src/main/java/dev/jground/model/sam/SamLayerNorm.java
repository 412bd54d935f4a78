package dev.jground.model.sam;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * LayerNorm over the channels of a [C, H, W] map (segment-anything LayerNorm2d, transformers
 * SamLayerNorm with data_format "channels_first"): each pixel's C values normalised, then a
 * per-channel affine.
 */
final class SamLayerNorm {
    private final Tensor weight, bias;   // [C]
    private final float eps;

    SamLayerNorm(Weights w, String name, int channels, float eps) {
        Weights s = w.at(name);
        weight = s.get("weight", channels);
        bias = s.get("bias", channels);
        this.eps = eps;
    }

    Tensor forward(Backend b, Tensor x) { return b.layerNorm2d(x, weight, bias, eps); }
}
