package dev.jground.model.clip;

import dev.jground.io.config.ClipVisionConfig;
import dev.jground.model.LayerNorm;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** CLIPEncoderLayer: pre-norm attention and MLP, each with a residual. */
final class ClipEncoderLayer {
    private final LayerNorm layerNorm1, layerNorm2;
    private final ClipAttention selfAttn;
    private final ClipMlp mlp;

    ClipEncoderLayer(Weights w, ClipVisionConfig c) {
        float eps = (float) c.layerNormEps();
        layerNorm1 = LayerNorm.of(w, "layer_norm1", c.hiddenSize(), eps);
        selfAttn = new ClipAttention(w.at("self_attn"), c);
        layerNorm2 = LayerNorm.of(w, "layer_norm2", c.hiddenSize(), eps);
        mlp = new ClipMlp(w.at("mlp"), c);
    }

    Tensor forward(Backend b, Tensor x, float[] probs) {
        Tensor n1 = layerNorm1.forward(b, x), a = selfAttn.forward(b, n1, probs), h = b.add(x, a);
        Tensor n2 = layerNorm2.forward(b, h), m = mlp.forward(b, n2), y = b.add(h, m);
        Tensor.close(n1, a, h, n2, m);
        return y;
    }

    int heads() { return selfAttn.heads(); }
}
