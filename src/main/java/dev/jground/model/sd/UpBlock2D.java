package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.List;

/**
 * diffusers unet_2d_blocks.py UpBlock2D and CrossAttnUpBlock2D: before each {@code resnets.i}
 * the newest remaining skip is joined on the channels (hidden first), each resnet followed by
 * {@code attentions.i} in the cross-attention kind, then {@code upsamplers.0} unless it is the
 * last block.
 */
final class UpBlock2D {
    private final ResnetBlock2D[] resnets;
    private final Transformer2DModel[] attentions;   // null without cross-attention
    private final Upsample2D upsampler;              // null in the last block

    /**
     * layers = layers_per_block + 1 resnets; in = the channels of the matching down block's
     * input (the last skip's), prev = the hidden state's channels coming in.
     */
    UpBlock2D(Weights w, int in, int out, int prev, int layers, ResnetBlock2D.Settings s, Transformer2DModel.Settings attention,
              boolean addUpsample) {
        resnets = new ResnetBlock2D[layers];
        attentions = attention == null ? null : new Transformer2DModel[layers];
        for (int i = 0; i < layers; i++) {
            int skip = i == layers - 1 ? in : out, hidden = i == 0 ? prev : out;
            resnets[i] = new ResnetBlock2D(w.at("resnets." + i), hidden + skip, out, s);
            if (attention != null)
                attentions[i] = new Transformer2DModel(w.at("attentions." + i), out, s.groups(), attention);
        }
        upsampler = addUpsample ? new Upsample2D(w.at("upsamplers.0"), out) : null;
    }

    int layers() { return resnets.length; }

    /**
     * x [prev, H, W] with the skips still unused (this block takes its {@link #layers()} from the
     * end and removes them) -> [out, H', W'], upsampled to the size of the next skip left.
     */
    Tensor forward(Backend b, Tensor x, Tensor tembAct, Tensor context, List<Tensor> skips) {
        for (int i = 0; i < resnets.length; i++) {
            x = b.concat(x, skips.removeLast());
            x = resnets[i].forward(b, x, tembAct);
            if (attentions != null) x = attentions[i].forward(b, x, context);
        }
        if (upsampler != null) {
            int[] s = x.shape();
            int[] next = skips.isEmpty() ? new int[] {0, 2 * s[1], 2 * s[2]} : skips.getLast().shape();
            x = upsampler.forward(b, x, next[1], next[2]);
        }
        return x;
    }
}
