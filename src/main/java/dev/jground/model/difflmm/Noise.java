package dev.jground.model.difflmm;

import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The two standard-normal draws of one DiffLMM encoding, asked for in the official order
 * (spec step 3): first the VAE's latent_dist.sample(), then the diffusion noise of add_noise.
 * The official code draws both unseeded on CUDA, so no port reproduces its tokens bit for bit;
 * here they come from a seed we own, or are given (the golden's in.vae_sample_noise, in.noise).
 */
public interface Noise {

    /** The next draw, a tensor of standard-normal values of this shape. */
    Tensor next(Backend b, int... shape);

    /** Draws from java.util.SplittableRandom(seed): the same seed gives the same tokens on any backend. */
    static Noise seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return (b, shape) -> {
            float[] v = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
            for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
            return b.upload(v, shape);
        };
    }

    /** Exactly these two draws, in order; a draw of another shape, or a third, is refused. */
    static Noise given(Tensor vaeSample, Tensor diffusion) {
        Tensor[] draws = {vaeSample, diffusion};
        int[] used = {0};
        return (b, shape) -> {
            if (used[0] == draws.length) throw new IllegalStateException("noise: only two draws were given");
            Tensor t = draws[used[0]];
            if (!Arrays.equals(t.shape(), shape))
                throw new IllegalArgumentException("noise: draw " + (used[0] + 1) + " is " + Arrays.toString(t.shape())
                        + ", the latents are " + Arrays.toString(shape));
            used[0]++;
            return t;
        };
    }
}
