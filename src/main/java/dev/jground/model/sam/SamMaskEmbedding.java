package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * The prompt encoder's mask_downscaling: low-res mask logits [1, 4g, 4g] -> 2x2/2 conv,
 * channel LayerNorm, GELU, 2x2/2 conv, channel LayerNorm, GELU, 1x1 conv -> [C, g, g].
 */
final class SamMaskEmbedding {
    private final Tensor conv1Weight, conv1Bias, conv2Weight, conv2Bias, conv3Weight, conv3Bias;
    private final SamLayerNorm layerNorm1, layerNorm2;
    private final String act;

    SamMaskEmbedding(Weights w, SamConfig.PromptEncoder c) {
        int in = c.maskInputChannels(), quarter = in / 4, out = c.hiddenSize();
        float eps = (float) c.layerNormEps();
        conv1Weight = w.get("conv1.weight", quarter, 1, 2, 2);
        conv1Bias = w.get("conv1.bias", quarter);
        layerNorm1 = new SamLayerNorm(w, "layer_norm1", quarter, eps);
        conv2Weight = w.get("conv2.weight", in, quarter, 2, 2);
        conv2Bias = w.get("conv2.bias", in);
        layerNorm2 = new SamLayerNorm(w, "layer_norm2", in, eps);
        conv3Weight = w.get("conv3.weight", out, in, 1, 1);
        conv3Bias = w.get("conv3.bias", out);
        act = SamMlpBlock.checkActivation(c.hiddenAct());
    }

    Tensor forward(Backend b, Tensor masks) {
        Tensor x = SamMlpBlock.activation(b, act, layerNorm1.forward(b, b.conv2d(masks, conv1Weight, conv1Bias, 2, 0)));
        x = SamMlpBlock.activation(b, act, layerNorm2.forward(b, b.conv2d(x, conv2Weight, conv2Bias, 2, 0)));
        return b.conv2d(x, conv3Weight, conv3Bias, 1, 0);
    }
}
