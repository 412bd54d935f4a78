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
    private final int windowSize;   // 0 in a global-attention block

    SamVisionLayer(Weights w, SamConfig.Vision c, int windowSize) {
        float eps = (float) c.layerNormEps();
        int d = c.hiddenSize();
        this.windowSize = windowSize;
        layerNorm1 = LayerNorm.of(w, "layer_norm1", d, eps);
        attn = new SamVisionAttention(w.at("attn"), c, windowSize > 0 ? windowSize : c.gridSize());
        layerNorm2 = LayerNorm.of(w, "layer_norm2", d, eps);
        mlp = new SamMlpBlock(w.at("mlp"), d, c.mlpDim(), c.hiddenAct());
    }

    /** x [g*g, D] tokens of a g x g grid -> [g*g, D]. */
    Tensor forward(Backend b, Tensor x, int grid) {
        int d = x.shape()[1];
        Tensor h = layerNorm1.forward(b, x);
        if (windowSize > 0) {
            Tensor windows = b.windowPartition(b.reshape(h, grid, grid, d), windowSize);
            h = b.reshape(b.windowUnpartition(attn.forward(b, windows), windowSize, grid, grid), grid * grid, d);
        } else {
            h = b.reshape(attn.forward(b, b.reshape(h, 1, grid * grid, d)), grid * grid, d);
        }
        x = b.add(x, h);
        return b.add(x, mlp.forward(b, layerNorm2.forward(b, x)));
    }
}
