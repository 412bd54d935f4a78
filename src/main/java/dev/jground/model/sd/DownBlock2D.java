package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.List;

/**
 * diffusers unet_2d_blocks.py CrossAttnDownBlock2D, DownBlock2D and (the VAE's)
 * DownEncoderBlock2D: {@code resnets.i}, each followed by {@code attentions.i} in the
 * cross-attention kind, then {@code downsamplers.0} unless it is the last block. Every layer's
 * output and the downsampler's are the skips the up blocks join.
 */
final class DownBlock2D {
    private final ResnetBlock2D[] resnets;
    private final Transformer2DModel[] attentions;   // null without cross-attention
    private final Downsample2D downsampler;          // null in the last block

    /** attention: the transformers' settings, or null for a block without (DownBlock2D, DownEncoderBlock2D). */
    DownBlock2D(Weights w, int in, int out, int layers, ResnetBlock2D.Settings s, Transformer2DModel.Settings attention,
                boolean addDownsample, int downsamplePadding) {
        resnets = new ResnetBlock2D[layers];
        attentions = attention == null ? null : new Transformer2DModel[layers];
        for (int i = 0; i < layers; i++) {
            resnets[i] = new ResnetBlock2D(w.at("resnets." + i), i == 0 ? in : out, out, s);
            if (attention != null)
                attentions[i] = new Transformer2DModel(w.at("attentions." + i), out, s.groups(), attention);
        }
        downsampler = addDownsample ? new Downsample2D(w.at("downsamplers.0"), out, downsamplePadding) : null;
    }

    /** x [in, H, W] -> the block's output; its skips are appended to {@code skips} when that is not null. */
    Tensor forward(Backend b, Tensor x, Tensor tembAct, Tensor context, List<Tensor> skips) {
        for (int i = 0; i < resnets.length; i++) {
            x = resnets[i].forward(b, x, tembAct);
            if (attentions != null) x = attentions[i].forward(b, x, context);
            if (skips != null) skips.add(x);
        }
        if (downsampler != null) {
            x = downsampler.forward(b, x);
            if (skips != null) skips.add(x);
        }
        return x;
    }
}
