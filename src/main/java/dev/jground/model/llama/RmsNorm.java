package dev.jground.model.llama;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** LlamaRMSNorm: x / sqrt(mean(x²) + eps) * weight. */
record RmsNorm(Tensor weight, float eps) {

    static RmsNorm of(Weights w, String name, int dim, double eps) {
        return new RmsNorm(w.get(name + ".weight", dim), (float) eps);
    }

    Tensor forward(Backend b, Tensor x) { return b.rmsNorm(x, weight, eps); }
}
