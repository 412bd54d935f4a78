package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.LayerNorm;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.List;

/** TwoWayTransformer: the attention blocks, then a last token-to-image attention and its norm. */
final class SamTwoWayTransformer {
    private final List<SamTwoWayAttentionBlock> layers = new ArrayList<>();
    private final SamAttention finalAttnTokenToImage;
    private final LayerNorm layerNormFinalAttn;

    SamTwoWayTransformer(Weights w, SamConfig.MaskDecoder c) {
        for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new SamTwoWayAttentionBlock(w.at("layers." + i), c, i == 0));
        finalAttnTokenToImage = new SamAttention(w.at("final_attn_token_to_image"), c.hiddenSize(), c.numAttentionHeads(),
                c.attentionDownsampleRate());
        layerNormFinalAttn = LayerNorm.of(w, "layer_norm_final_attn", c.hiddenSize(), SamTwoWayAttentionBlock.EPS);
    }

    /** image [HW, C] tokens with positions imagePe [HW, C]; tokens [T, C] are their own positions. */
    SamTwoWayAttentionBlock.State forward(Backend b, Tensor image, Tensor imagePe, Tensor tokens) {
        Tensor queries = tokens, keys = image;
        for (SamTwoWayAttentionBlock layer : layers) {
            SamTwoWayAttentionBlock.State s = layer.forward(b, queries, keys, tokens, imagePe);
            queries = s.queries();
            keys = s.keys();
        }
        Tensor q = b.add(queries, tokens), k = b.add(keys, imagePe);
        queries = layerNormFinalAttn.forward(b, b.add(queries, finalAttnTokenToImage.forward(b, q, k, keys)));
        return new SamTwoWayAttentionBlock.State(queries, keys);
    }
}
