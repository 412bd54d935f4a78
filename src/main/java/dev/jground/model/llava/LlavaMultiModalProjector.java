package dev.jground.model.llava;

import dev.jground.io.config.LlavaConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** LLaVA-1.5's projector (mlp2x_gelu): linear_1, GELU, linear_2, from CLIP width to the LLM's. */
final class LlavaMultiModalProjector {
    private final Linear linear1, linear2;   // multi_modal_projector.linear_{1,2}

    LlavaMultiModalProjector(Weights w, LlavaConfig c) {
        if (!c.projectorHiddenAct().equals("gelu"))
            throw new IllegalArgumentException("projector_hidden_act '" + c.projectorHiddenAct() + "' is not supported (gelu is)");
        int dv = c.vision().hiddenSize(), d = c.text().hiddenSize();
        linear1 = Linear.of(w, "linear_1", dv, d);
        linear2 = Linear.of(w, "linear_2", d, d);
    }

    Tensor forward(Backend b, Tensor x) {
        Tensor h = linear1.forward(b, x), a = b.gelu(h), y = linear2.forward(b, a);
        Tensor.close(h, a);
        return y;
    }
}
