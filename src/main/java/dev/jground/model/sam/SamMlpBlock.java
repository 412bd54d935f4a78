package dev.jground.model.sam;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** MLPBlock: lin1, activation (GELU in the ViT, ReLU in the two-way transformer), lin2. */
final class SamMlpBlock {
    private final Linear lin1, lin2;
    private final String act;

    SamMlpBlock(Weights w, int dim, int mlpDim, String act) {
        lin1 = Linear.of(w, "lin1", dim, mlpDim);
        lin2 = Linear.of(w, "lin2", mlpDim, dim);
        this.act = checkActivation(act);
    }

    Tensor forward(Backend b, Tensor x) {
        Tensor h = lin1.forward(b, x), a = activation(b, act, h), y = lin2.forward(b, a);
        Tensor.close(h, a);
        return y;
    }

    /** hidden_act of the SAM configs: "gelu" (exact erf form, as nn.GELU) or "relu". */
    static String checkActivation(String act) {
        if (!act.equals("gelu") && !act.equals("relu"))
            throw new IllegalArgumentException("SAM hidden_act '" + act + "' is not supported (gelu, relu)");
        return act;
    }

    static Tensor activation(Backend b, String act, Tensor x) { return act.equals("gelu") ? b.gelu(x) : b.relu(x); }
}
