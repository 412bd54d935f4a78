package dev.jground.model;

import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** torch.nn.LayerNorm over the last dimension, with weight and bias. */
public record LayerNorm(Tensor weight, Tensor bias, float eps) {

    public static LayerNorm of(Weights w, String name, int dim, float eps) {
        Weights s = w.at(name);
        return new LayerNorm(s.get("weight", dim), s.get("bias", dim), eps);
    }

    public Tensor forward(Backend b, Tensor x) { return b.layerNorm(x, weight, bias, eps); }
}
