package dev.jground.model.sd;

import dev.jground.io.config.AutoencoderKLConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The VAE encoder (diffusers vae.py Encoder, double_z): conv_in, DownEncoderBlock2D blocks
 * (resnets without time embedding, a downsampler with the right/bottom pad except in the last),
 * the mid block with attention, conv_norm_out, SiLU, conv_out to 2 x latent channels. GroupNorm
 * eps is 1e-6 throughout.
 */
final class VaeEncoder {
    private static final float EPS = 1e-6f;

    /** Each stage's output, [C, H, W]. */
    record Output(Tensor convIn, List<Tensor> downBlocks, Tensor midBlock, Tensor convOut) {}

    private final Conv2d convIn, convOut;
    private final DownBlock2D[] downBlocks;
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;

    VaeEncoder(Weights w, AutoencoderKLConfig c) {
        int[] channels = c.blockOutChannels();
        int n = channels.length;
        convIn = Conv2d.same(w, "conv_in", c.inChannels(), channels[0], 3);
        ResnetBlock2D.Settings s = new ResnetBlock2D.Settings(c.normNumGroups(), EPS, 0, 1f);
        downBlocks = new DownBlock2D[n];
        for (int i = 0; i < n; i++)
            downBlocks[i] = new DownBlock2D(w.at("down_blocks." + i), i == 0 ? channels[0] : channels[i - 1], channels[i],
                    c.layersPerBlock(), s, null, i < n - 1, 0);
        midBlock = new UNetMidBlock2D(w.at("mid_block"), channels[n - 1], s);
        convNormOut = new GroupNorm(w.at("conv_norm_out"), c.normNumGroups(), channels[n - 1], EPS);
        convOut = Conv2d.same(w, "conv_out", channels[n - 1], 2 * c.latentChannels(), 3);
    }

    /** pixels [in, H, W] -> the stages, ending in [2 x latent, H / 8, W / 8] (for 4 blocks). */
    Output forward(Backend b, Tensor pixels) {
        Tensor x = convIn.forward(b, pixels);
        Tensor first = x;
        List<Tensor> downs = new ArrayList<>();
        for (DownBlock2D block : downBlocks) {
            x = block.forward(b, x, null, null, null);
            downs.add(x);
        }
        x = midBlock.forward(b, x);
        Tensor mid = x;
        x = convOut.forward(b, b.silu(convNormOut.forward(b, x)));
        return new Output(first, Collections.unmodifiableList(downs), mid, x);
    }
}
