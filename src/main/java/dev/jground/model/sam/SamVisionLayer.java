package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.LayerNorm;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * One ViT block (image_encoder.py Block): pre-norm attention, in windows or over the whole
 * grid, and a GELU MLP, each with a residual. Windowed blocks zero-pad the normalised grid to
 * a multiple of the window and do not mask the pad tokens (they act as keys whose k and v
 * are the qkv bias), as the official code does.
 */
final class SamVisionLayer {
    private final LayerNorm layerNorm1, layerNorm2;
    private final SamVisionAttention attn;
    private final SamMlpBlock mlp;

    SamVisionLayer(Weights w, SamConfig.Vision c, int windowSize) {
        float eps = (float) c.layerNormEps();
        int d = c.hiddenSize();
        layerNorm1 = LayerNorm.of(w, "layer_norm1", d, eps);
        attn = new SamVisionAttention(w.at("attn"), c, windowSize);
        layerNorm2 = LayerNorm.of(w, "layer_norm2", d, eps);
        mlp = new SamMlpBlock(w.at("mlp"), d, c.mlpDim(), c.hiddenAct());
    }

    /** x [g*g, D] tokens of a g x g grid -> [g*g, D]. */
    Tensor forward(Backend b, Tensor x, int grid) {
        Tensor n1 = layerNorm1.forward(b, x), a = attn.forward(b, n1, grid), h = b.add(x, a);
        Tensor n2 = layerNorm2.forward(b, h), m = mlp.forward(b, n2), y = b.add(h, m);
        Tensor.close(n1, a, h, n2, m);
        return y;
    }
}
