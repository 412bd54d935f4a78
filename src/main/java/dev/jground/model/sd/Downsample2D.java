package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * diffusers resnet.py Downsample2D with use_conv: a 3x3 conv of stride 2 ({@code conv}). With
 * padding 0 (the VAE's downsample_padding) the map is first zero-padded by one at the right
 * and bottom only, as diffusers does; with padding 1 (the UNet's) the conv pads every side.
 */
final class Downsample2D {
    private final Conv2d conv;
    private final boolean padRightBottom;

    Downsample2D(Weights w, int channels, int padding) {
        conv = Conv2d.of(w, "conv", channels, channels, 3, 2, padding);
        padRightBottom = padding == 0;
    }

    /** [C, H, W] -> [C, H', W'] with H' = (H + 2 padding - 3) / 2 + 1, or (H - 2) / 2 + 1 after the asymmetric pad. */
    Tensor forward(Backend b, Tensor x) {
        return conv.forward(b, padRightBottom ? b.pad(x, 0, 1, 0, 1) : x);
    }
}
