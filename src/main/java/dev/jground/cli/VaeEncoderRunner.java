package dev.jground.cli;

import dev.jground.io.config.AutoencoderKLConfig;
import dev.jground.model.sd.AutoencoderKL;
import dev.jground.nn.Backend;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.jground.cli.UNetRunner.put;
import static dev.jground.cli.UNetRunner.unbatched;

/** vae-encoder-tiny: the VAE encoder and quant_conv on the golden's pixels, every stage and the latent distribution compared. */
final class VaeEncoderRunner implements GoldenRunner {

    @Override public Map<String, TensorView> run(GoldenCase golden, Backend b) throws IOException {
        AutoencoderKL vae = new AutoencoderKL(golden.weights(), b, AutoencoderKLConfig.parse(golden.config()));
        AutoencoderKL.Output o = vae.encode(b, unbatched(b, golden.tensor("in.pixel_values")));
        Map<String, TensorView> out = new LinkedHashMap<>();
        put(out, golden, b, "out.conv_in", o.convIn());
        for (int i = 0; i < o.downBlocks().size(); i++) put(out, golden, b, "out.down_block." + i, o.downBlocks().get(i));
        put(out, golden, b, "out.mid_block", o.midBlock());
        put(out, golden, b, "out.encoder", o.encoder());
        put(out, golden, b, "out.moments", o.moments());
        put(out, golden, b, "out.latent_mean", o.mean());
        put(out, golden, b, "out.latent_logvar", o.logvar());
        put(out, golden, b, "out.latents_scaled", vae.scaledMean(b, o));
        return out;
    }
}
