package dev.jground.model.sd;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * The UNet's timestep embedding (diffusers embeddings.py): the sinusoid of {@code Timesteps}
 * then {@code TimestepEmbedding}'s linear_1, SiLU, linear_2.
 */
final class TimestepEmbedding {
    private final Linear linear1, linear2;   // time_embedding.linear_{1,2}

    TimestepEmbedding(Weights w, int in, int dim) {
        linear1 = Linear.of(w, "linear_1", in, dim);
        linear2 = Linear.of(w, "linear_2", dim, dim);
    }

    /** The sinusoid [1, in] -> the embedding [1, dim]. */
    Tensor forward(Backend b, Tensor sinusoid) { return linear2.forward(b, b.silu(linear1.forward(b, sinusoid))); }

    /**
     * get_timestep_embedding: freq_i = exp(-ln(10000) i / (half - shift)), [sin(t f) | cos(t f)],
     * halves swapped when flipSinToCos. Each step is rounded to float as diffusers computes it
     * in float32 (at t near 1000 the rounding of t f alone moves the sine by 1e-5).
     */
    static float[] sinusoid(float t, int dim, boolean flipSinToCos, int freqShift) {
        int half = dim / 2;
        if (half - freqShift == 0) throw new IllegalArgumentException("timestep embedding: " + dim + " channels with freq_shift " + freqShift);
        float lnMax = (float) -Math.log(10000);
        float[] out = new float[dim];   // an odd dim keeps a zero last channel, as diffusers pads it
        for (int i = 0; i < half; i++) {
            float exponent = lnMax * i / (half - freqShift);
            float arg = t * (float) Math.exp(exponent);
            float sin = (float) Math.sin(arg), cos = (float) Math.cos(arg);
            out[flipSinToCos ? half + i : i] = sin;
            out[flipSinToCos ? i : half + i] = cos;
        }
        return out;
    }
}
