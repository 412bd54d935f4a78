package dev.jground.model;

import dev.jground.io.Checkpoint;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.util.Arrays;

/**
 * A checkpoint seen from one module: {@code at("encoder.layers.3.")} scopes every name, so a
 * module binds its weights by the names its own state dict uses ({@code "q_proj.weight"}).
 */
public record Weights(Checkpoint checkpoint, Backend backend, String prefix) {

    public static Weights of(Checkpoint checkpoint, Backend backend) { return new Weights(checkpoint, backend, ""); }

    /** A view scoped one level down: {@code at("self_attn")} reads "…self_attn.q_proj.weight". */
    public Weights at(String scope) { return new Weights(checkpoint, backend, prefix + scope + "."); }

    public boolean has(String name) { return checkpoint.has(prefix + name); }

    public TensorView view(String name) { return checkpoint.tensor(prefix + name); }

    /** The tensor on the backend, checked against the shape the config implies. */
    public Tensor get(String name, int... shape) { return backend.weight(checked(name, shape)); }

    /** Rows [from, to) of a tensor checked against its whole shape (one half of a fused projection). */
    public Tensor rows(String name, int from, int to, int... shape) { return backend.weight(checked(name, shape).rows(from, to)); }

    private TensorView checked(String name, int... shape) {
        TensorView v = view(name);
        if (!Arrays.equals(v.shape(), shape))
            throw new IllegalArgumentException(checkpoint.root().getFileName() + ": tensor '" + prefix + name + "' has shape "
                    + Shapes.str(v.shape()) + ", config says " + Shapes.str(shape));
        return v;
    }
}
