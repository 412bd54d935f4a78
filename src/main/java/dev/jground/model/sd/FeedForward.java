package dev.jground.model.sd;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * diffusers attention.py FeedForward with GEGLU (mult 4): net.0.proj maps dim to 2 x inner,
 * whose halves [h | g] give h · GELU(g) (exact erf), then net.2 maps inner back to dim. The
 * fused projection is bound as its two halves of rows, so no split of the product is needed.
 */
final class FeedForward {
    private final Linear projH, projG, net2;

    FeedForward(Weights w, int dim) {
        int inner = 4 * dim;
        Weights proj = w.at("net.0.proj");
        projH = new Linear(proj.rows("weight", 0, inner, 2 * inner, dim), proj.rows("bias", 0, inner, 2 * inner));
        projG = new Linear(proj.rows("weight", inner, 2 * inner, 2 * inner, dim), proj.rows("bias", inner, 2 * inner, 2 * inner));
        net2 = Linear.of(w.at("net"), "2", inner, dim);
    }

    /** x [T, dim] -> [T, dim]. */
    Tensor forward(Backend b, Tensor x) {
        return net2.forward(b, b.mul(projH.forward(b, x), b.gelu(projG.forward(b, x))));
    }
}
