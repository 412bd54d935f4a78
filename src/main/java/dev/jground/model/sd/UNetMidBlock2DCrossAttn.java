package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** diffusers unet_2d_blocks.py UNetMidBlock2DCrossAttn: resnets.0, attentions.0 (a Transformer2DModel), resnets.1. */
final class UNetMidBlock2DCrossAttn {
    private final ResnetBlock2D resnet0, resnet1;
    private final Transformer2DModel attention;

    UNetMidBlock2DCrossAttn(Weights w, int channels, ResnetBlock2D.Settings s, Transformer2DModel.Settings a) {
        resnet0 = new ResnetBlock2D(w.at("resnets.0"), channels, channels, s);
        attention = new Transformer2DModel(w.at("attentions.0"), channels, s.groups(), a);
        resnet1 = new ResnetBlock2D(w.at("resnets.1"), channels, channels, s);
    }

    Tensor forward(Backend b, Tensor x, Tensor tembAct, Tensor context) {
        x = resnet0.forward(b, x, tembAct);
        return resnet1.forward(b, attention.forward(b, x, context), tembAct);
    }
}
