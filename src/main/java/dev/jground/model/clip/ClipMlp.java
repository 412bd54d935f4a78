package dev.jground.model.clip;

import dev.jground.io.config.ClipVisionConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** CLIPMLP: fc1, activation (quick_gelu in OpenAI CLIP), fc2. */
final class ClipMlp {
    private final Linear fc1, fc2;
    private final String act;

    ClipMlp(Weights w, ClipVisionConfig c) {
        fc1 = Linear.of(w, "fc1", c.hiddenSize(), c.intermediateSize());
        fc2 = Linear.of(w, "fc2", c.intermediateSize(), c.hiddenSize());
        act = c.hiddenAct();
        if (!act.equals("quick_gelu") && !act.equals("gelu") && !act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh"))
            throw new IllegalArgumentException("CLIP hidden_act '" + act + "' is not supported");
    }

    Tensor forward(Backend b, Tensor x) {
        Tensor h = fc1.forward(b, x);
        Tensor a = switch (act) {
            case "quick_gelu" -> b.quickGelu(h);
            case "gelu" -> b.gelu(h);
            default -> b.geluTanh(h);
        };
        Tensor y = fc2.forward(b, a);
        Tensor.close(h, a);
        return y;
    }
}
