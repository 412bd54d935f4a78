package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** The VAE's mid block (diffusers unet_2d_blocks.py UNetMidBlock2D): resnets.0, attentions.0 (an AttentionBlock), resnets.1. */
final class UNetMidBlock2D {
    private final ResnetBlock2D resnet0, resnet1;
    private final AttentionBlock attention;

    UNetMidBlock2D(Weights w, int channels, ResnetBlock2D.Settings s) {
        resnet0 = new ResnetBlock2D(w.at("resnets.0"), channels, channels, s);
        attention = new AttentionBlock(w.at("attentions.0"), channels, s.groups(), s.eps());
        resnet1 = new ResnetBlock2D(w.at("resnets.1"), channels, channels, s);
    }

    Tensor forward(Backend b, Tensor x) {
        return resnet1.forward(b, attention.forward(b, resnet0.forward(b, x, null)), null);
    }
}
