package dev.jground.model.llama;

import dev.jground.io.config.LlamaConfig;
import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** LLaMA's SwiGLU MLP: down(silu(gate(x)) * up(x)). */
final class LlamaMlp {
    private final Linear gateProj, upProj, downProj;   // mlp.{gate,up,down}_proj

    LlamaMlp(Weights w, LlamaConfig c) {
        if (!c.hiddenAct().equals("silu"))
            throw new IllegalArgumentException("LLaMA hidden_act '" + c.hiddenAct() + "' is not supported (silu is)");
        int d = c.hiddenSize(), i = c.intermediateSize();
        gateProj = Linear.of(w, "gate_proj", d, i);
        upProj = Linear.of(w, "up_proj", d, i);
        downProj = Linear.of(w, "down_proj", i, d);
    }

    Tensor forward(Backend b, Tensor x) {
        Tensor gate = gateProj.forward(b, x), up = upProj.forward(b, x), h = b.swiglu(gate, up);
        Tensor y = downProj.forward(b, h);
        Tensor.close(gate, up, h);
        return y;
    }
}
