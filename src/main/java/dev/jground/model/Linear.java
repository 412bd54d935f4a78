package dev.jground.model;

import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** torch.nn.Linear: y = x Wᵀ + b, weight [out, in] as checkpoints store it, bias optional. */
public record Linear(Tensor weight, Tensor bias) {

    /** Binds {@code name.weight} and, when the checkpoint has it, {@code name.bias}. */
    public static Linear of(Weights w, String name, int in, int out) {
        Weights s = w.at(name);
        return new Linear(s.get("weight", out, in), s.has("bias") ? s.get("bias", out) : null);
    }

    public Tensor forward(Backend b, Tensor x) { return b.matmul(x, weight, bias); }
}
