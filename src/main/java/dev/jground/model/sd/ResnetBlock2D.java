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
    private final Tensor conv1Weight, conv1Bias, conv2Weight, conv2Bias;
    private final Linear timeEmbProj;      // null in the VAE
    private final Tensor convShortcut, convShortcutBias;   // null when in == out
    private final float outputScaleFactor;

    ResnetBlock2D(Weights w, int in, int out, Settings s) {
        norm1 = new GroupNorm(w.at("norm1"), s.groups(), in, s.eps());
        conv1Weight = w.get("conv1.weight", out, in, 3, 3);
        conv1Bias = w.get("conv1.bias", out);
        timeEmbProj = s.tembChannels() > 0 ? Linear.of(w, "time_emb_proj", s.tembChannels(), out) : null;
        norm2 = new GroupNorm(w.at("norm2"), s.groups(), out, s.eps());
        conv2Weight = w.get("conv2.weight", out, out, 3, 3);
        conv2Bias = w.get("conv2.bias", out);
        convShortcut = in != out ? w.get("conv_shortcut.weight", out, in, 1, 1) : null;
        convShortcutBias = in != out ? w.get("conv_shortcut.bias", out) : null;
        outputScaleFactor = s.outputScaleFactor();
    }

    /** x [in, H, W], tembAct = SiLU(time embedding) [1, temb] or null -> [out, H, W]. */
    Tensor forward(Backend b, Tensor x, Tensor tembAct) {
        Tensor h = b.silu(norm1.forward(b, x));
        // conv1(h) + temb[:, :, None, None] is conv1 with temb folded into its bias: one pass less over the map
        Tensor bias1 = conv1Bias;
        if (timeEmbProj != null) {
            Tensor t = timeEmbProj.forward(b, tembAct);
            bias1 = b.add(conv1Bias, b.reshape(t, (int) t.numel()));
        }
        h = b.conv2d(h, conv1Weight, bias1, 1, 1);
        h = b.silu(norm2.forward(b, h));
        h = b.conv2d(h, conv2Weight, conv2Bias, 1, 1);
        Tensor shortcut = convShortcut == null ? x : b.conv2d(x, convShortcut, convShortcutBias, 1, 0);
        Tensor y = b.add(shortcut, h);
        return outputScaleFactor == 1f ? y : b.scale(y, 1f / outputScaleFactor);
    }
}
