package dev.jground.model.sd;

import dev.jground.io.Checkpoint;
import dev.jground.io.config.AutoencoderKLConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.List;

/**
 * The encoding half of the Stable Diffusion VAE (diffusers autoencoder_kl.py AutoencoderKL):
 * the encoder, quant_conv (1x1), and the diagonal Gaussian over latents it parameterises
 * (vae.py DiagonalGaussianDistribution: mean = the first latent_channels channels, logvar the
 * rest clamped to [-30, 20]). The decoder is not built: only {@code encoder.*} and
 * {@code quant_conv.*} are read.
 */
public final class AutoencoderKL {

    /** Every stage, without the batch dimension; mean and logvar are [latent, h, w]. */
    public record Output(Tensor convIn, List<Tensor> downBlocks, Tensor midBlock, Tensor encoder, Tensor moments,
                         Tensor mean, Tensor logvar) {}

    private final AutoencoderKLConfig config;
    private final VaeEncoder encoder;
    private final Conv2d quantConv;

    public AutoencoderKL(Checkpoint checkpoint, Backend b, AutoencoderKLConfig c) {
        for (String t : c.downBlockTypes())
            if (!t.equals("DownEncoderBlock2D"))
                throw new IllegalArgumentException("AutoencoderKL config: down block type " + t + " is not supported (DownEncoderBlock2D is)");
        if (!c.actFn().equals("silu")) throw new IllegalArgumentException("AutoencoderKL config: act_fn " + c.actFn() + " is not supported (silu is)");
        config = c;
        Weights w = Weights.of(checkpoint, b);
        encoder = new VaeEncoder(w.at("encoder"), c);
        int m = 2 * c.latentChannels();
        quantConv = Conv2d.same(w, "quant_conv", m, m, 1);
    }

    public AutoencoderKLConfig config() { return config; }

    /** The latents' scale before they enter the UNet (config scaling_factor, 0.18215 for SD-1.5). */
    public float scalingFactor() { return (float) config.scalingFactor(); }

    /** pixels [in_channels, H, W] -> the latent distribution and the stages before it. */
    public Output encode(Backend b, Tensor pixels) {
        VaeEncoder.Output e = encoder.forward(b, pixels);
        Tensor moments = quantConv.forward(b, e.convOut());
        int l = config.latentChannels();
        Tensor mean = b.slice(moments, 0, l);
        Tensor logvar = b.clamp(b.slice(moments, l, 2 * l), -30f, 20f);
        return new Output(e.convIn(), e.downBlocks(), e.midBlock(), e.convOut(), moments, mean, logvar);
    }

    /**
     * latent_dist.sample() x scaling_factor with the standard-normal draw given: (mean +
     * exp(logvar / 2) · noise) · scale, what DiffLMM feeds the UNet (noise [latent, h, w]).
     */
    public Tensor latents(Backend b, Tensor mean, Tensor logvar, Tensor noise) {
        Tensor std = b.exp(b.scale(logvar, 0.5f));
        return b.scale(b.add(mean, b.mul(std, noise)), scalingFactor());
    }

    /** The distribution's mean times the scaling factor: the deterministic latents. */
    public Tensor scaledMean(Backend b, Output o) { return b.scale(o.mean(), scalingFactor()); }
}
