package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** diffusers resnet.py Upsample2D with use_conv: nearest-neighbour upsampling, then a 3x3 conv ({@code conv}). */
final class Upsample2D {
    private final Conv2d conv;

    Upsample2D(Weights w, int channels) { conv = Conv2d.same(w, "conv", channels, channels, 3); }

    /**
     * [C, H, W] -> [C, outH, outW]: twice the size, or the size of the skip the next block will
     * join (diffusers forces it when the latent is not a multiple of 2^upsamplers).
     */
    Tensor forward(Backend b, Tensor x, int outH, int outW) {
        return conv.forward(b, b.upsampleNearest(x, outH, outW));
    }
}
