package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.LayerNorm;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * TwoWayAttentionBlock: self-attention of the tokens, tokens attend to the image, MLP on the
 * tokens, the image attends to the tokens; post-norm after each. Positions are added to the
 * queries and keys of every attention, but not to values. The first block's self-attention
 * sees no positions and has no residual (skip_first_layer_pe).
 */
final class SamTwoWayAttentionBlock {
    /** The official TwoWayTransformer uses nn.LayerNorm's default eps, not the config's 1e-6. */
    static final float EPS = 1e-5f;

    record State(Tensor queries, Tensor keys) {}

    private final SamAttention selfAttn, crossAttnTokenToImage, crossAttnImageToToken;
    private final LayerNorm layerNorm1, layerNorm2, layerNorm3, layerNorm4;
    private final SamMlpBlock mlp;
    private final boolean skipFirstLayerPe;

    SamTwoWayAttentionBlock(Weights w, SamConfig.MaskDecoder c, boolean skipFirstLayerPe) {
        int d = c.hiddenSize(), heads = c.numAttentionHeads(), down = c.attentionDownsampleRate();
        selfAttn = new SamAttention(w.at("self_attn"), d, heads, 1);
        layerNorm1 = LayerNorm.of(w, "layer_norm1", d, EPS);
        crossAttnTokenToImage = new SamAttention(w.at("cross_attn_token_to_image"), d, heads, down);
        layerNorm2 = LayerNorm.of(w, "layer_norm2", d, EPS);
        mlp = new SamMlpBlock(w.at("mlp"), d, c.mlpDim(), c.hiddenAct());
        layerNorm3 = LayerNorm.of(w, "layer_norm3", d, EPS);
        layerNorm4 = LayerNorm.of(w, "layer_norm4", d, EPS);
        crossAttnImageToToken = new SamAttention(w.at("cross_attn_image_to_token"), d, heads, down);
        this.skipFirstLayerPe = skipFirstLayerPe;
    }

    /** queries [T, C] with their positions queryPe, keys [HW, C] (image tokens) with keyPe. */
    State forward(Backend b, Tensor queries, Tensor keys, Tensor queryPe, Tensor keyPe) {
        if (skipFirstLayerPe) {
            queries = selfAttn.forward(b, queries, queries, queries);
        } else {
            Tensor q = b.add(queries, queryPe);
            queries = b.add(queries, selfAttn.forward(b, q, q, queries));
        }
        queries = layerNorm1.forward(b, queries);

        ImageSide image = imageSide(b, keys, keyPe);
        Tensor q = b.add(queries, queryPe);
        Tensor tokenToImage = crossAttnTokenToImage.attend(b, crossAttnTokenToImage.projectQ(b, q), image.tokenToImageK(), image.tokenToImageV());
        queries = layerNorm2.forward(b, b.add(queries, tokenToImage));

        queries = layerNorm3.forward(b, b.add(queries, mlp.forward(b, queries)));

        q = b.add(queries, queryPe);
        Tensor imageToToken = crossAttnImageToToken.attend(b, image.imageToTokenQ(), crossAttnImageToToken.projectK(b, q),
                crossAttnImageToToken.projectV(b, queries));
        keys = layerNorm4.forward(b, b.add(keys, imageToToken));
        return new State(queries, keys);
    }

    /**
     * What the image side needs before it meets the prompt: keys + positions, the token-to-image
     * attention's k and v projections and the image-to-token attention's q projection (each
     * [HW, C / downsample]).
     */
    private record ImageSide(Tensor keys, Tensor keyPe, Tensor tokenToImageK, Tensor tokenToImageV, Tensor imageToTokenQ) {}

    /**
     * The first block's keys are the image embedding (plus the dense prompt) itself, the same
     * tensor for every prompt of an image, so its image side is kept and reused: three of the
     * decoder's projections of 4096 tokens (ViT-B: 0.8 of its 3.5 GFLOP) are made once per image.
     * Later blocks' keys depend on the prompt.
     */
    private synchronized ImageSide imageSide(Backend b, Tensor keys, Tensor keyPe) {
        ImageSide s = lastImageSide;
        if (s != null && s.keys() == keys && s.keyPe() == keyPe) return s;
        Tensor k = b.add(keys, keyPe);
        s = new ImageSide(keys, keyPe, crossAttnTokenToImage.projectK(b, k), crossAttnTokenToImage.projectV(b, keys),
                crossAttnImageToToken.projectQ(b, k));
        if (skipFirstLayerPe) lastImageSide = s;   // the first block
        return s;
    }

    private ImageSide lastImageSide;
}
