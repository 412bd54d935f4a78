package dev.jground.model.sd;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * diffusers resnet.py ResnetBlock2D (time_embedding_norm "default"): norm1, SiLU, conv1 (3x3),
 * + the projected time embedding, norm2, SiLU, conv2 (3x3), + the input (through a 1x1
 * conv_shortcut when the channels change), / output_scale_factor. The VAE's blocks have no
 * time embedding.
 */
final class ResnetBlock2D {
    /** What every resnet of a model shares: GroupNorm groups and eps, the time embedding width (0: none). */
    record Settings(int groups, float eps, int tembChannels, float outputScaleFactor) {}

    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2;
    private final Linear timeEmbProj;      // null in the VAE
    private final Conv2d convShortcut;     // null when in == out
    private final float outputScaleFactor;

    ResnetBlock2D(Weights w, int in, int out, Settings s) {
        norm1 = new GroupNorm(w.at("norm1"), s.groups(), in, s.eps());
        conv1 = Conv2d.same(w, "conv1", in, out, 3);
        timeEmbProj = s.tembChannels() > 0 ? Linear.of(w, "time_emb_proj", s.tembChannels(), out) : null;
        norm2 = new GroupNorm(w.at("norm2"), s.groups(), out, s.eps());
        conv2 = Conv2d.same(w, "conv2", out, out, 3);
        convShortcut = in != out ? Conv2d.same(w, "conv_shortcut", in, out, 1) : null;
        outputScaleFactor = s.outputScaleFactor();
    }

    /** x [in, H, W], tembAct = SiLU(time embedding) [1, temb] or null -> [out, H, W]. */
    Tensor forward(Backend b, Tensor x, Tensor tembAct) {
        Tensor h = b.silu(norm1.forward(b, x));
        // conv1(h) + temb[:, :, None, None] is conv1 with temb folded into its bias: one pass less over the map
        if (timeEmbProj == null) h = conv1.forward(b, h);
        else {
            Tensor t = timeEmbProj.forward(b, tembAct);
            h = conv1.forward(b, h, b.add(conv1.bias(), b.reshape(t, (int) t.numel())));
        }
        h = conv2.forward(b, b.silu(norm2.forward(b, h)));
        Tensor shortcut = convShortcut == null ? x : convShortcut.forward(b, x);
        Tensor y = b.add(shortcut, h);
        return outputScaleFactor == 1f ? y : b.scale(y, 1f / outputScaleFactor);
    }
}
