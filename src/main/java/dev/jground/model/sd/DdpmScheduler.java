package dev.jground.model.sd;

import dev.jground.io.config.DdpmSchedulerConfig;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * The forward (noising) process of diffusers' DDPM/DDIM schedulers: betas from the config,
 * alphas_cumprod = cumprod(1 - betas), and add_noise(x, noise, t) = sqrt(ᾱ_t) x + sqrt(1 - ᾱ_t)
 * noise. The betas are made in float32 as diffusers makes them (torch.linspace, the square)
 * and the cumulative product is taken as torch takes it, so ᾱ_t is the float diffusers gets
 * (0.89422315 at t = 100 for SD-1.5, sqrt 0.9456337; all in float64 it would be 0.89422348).
 */
public final class DdpmScheduler {
    private final float[] alphasCumprod;

    public DdpmScheduler(DdpmSchedulerConfig c) {
        int n = c.numTrainTimesteps();
        if (n < 2) throw new IllegalArgumentException("scheduler config: num_train_timesteps " + n + " must be at least 2");
        float[] betas = switch (c.betaSchedule()) {
            case "linear" -> linspace((float) c.betaStart(), (float) c.betaEnd(), n);
            case "scaled_linear" -> {
                float[] r = linspace((float) Math.sqrt(c.betaStart()), (float) Math.sqrt(c.betaEnd()), n);
                for (int i = 0; i < n; i++) r[i] = r[i] * r[i];
                yield r;
            }
            default -> throw new IllegalArgumentException("scheduler config: beta_schedule '" + c.betaSchedule()
                    + "' is not supported (linear, scaled_linear are)");
        };
        alphasCumprod = new float[n];
        double prod = 1;   // ATen's CPU cumprod carries the running product in double (acc_type<float>), each output rounded
        for (int i = 0; i < n; i++) alphasCumprod[i] = (float) (prod *= 1f - betas[i]);
    }

    /**
     * torch.linspace in float32 as ATen's CPU kernel computes it: start + i·step for the first
     * half, end - (n - 1 - i)·step for the second, step = (end - start) / (n - 1).
     */
    static float[] linspace(float start, float end, int n) {
        float step = (end - start) / (n - 1);
        float[] out = new float[n];
        int half = n / 2;
        for (int i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
        return out;
    }

    public int numTrainTimesteps() { return alphasCumprod.length; }

    /** ᾱ_t. */
    public float alphaCumprod(int t) {
        if (t < 0 || t >= alphasCumprod.length)
            throw new IllegalArgumentException("timestep " + t + " is outside the schedule's 0.." + (alphasCumprod.length - 1));
        return alphasCumprod[t];
    }

    /** sqrt(ᾱ_t), in float as diffusers' {@code alphas_cumprod[t] ** 0.5}. */
    public float sqrtAlphaProd(int t) { return (float) Math.sqrt(alphaCumprod(t)); }

    /** sqrt(1 - ᾱ_t). */
    public float sqrtOneMinusAlphaProd(int t) { return (float) Math.sqrt(1f - alphaCumprod(t)); }

    /** x_t = sqrt(ᾱ_t) x + sqrt(1 - ᾱ_t) noise, with the noise given (a map of x's shape). */
    public Tensor addNoise(Backend b, Tensor x, Tensor noise, int t) {
        return b.add(b.scale(x, sqrtAlphaProd(t)), b.scale(noise, sqrtOneMinusAlphaProd(t)));
    }
}
