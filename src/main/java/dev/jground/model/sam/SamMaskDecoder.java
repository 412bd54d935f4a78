package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MaskDecoder: the output tokens (IoU token, one token per mask) and the prompt tokens run
 * through the two-way transformer with the image embedding (plus the dense prompt); the image
 * side is upscaled 4x, each mask token's hypernetwork MLP gives the weights of a dot product
 * with every upscaled pixel, and the IoU head scores the masks.
 */
public final class SamMaskDecoder {

    /**
     * Everything the decoder computed: queries [5 + N, C] and keys [HW, C] of the transformer,
     * upscaled [C/8, 4g, 4g], hyperIn [masks, C/8], iouHead [1, masks], and the selected
     * lowResMasks [k, 4g, 4g] with their iouPredictions [k] (k = 3 for multimask, else 1).
     */
    public record Output(Tensor queries, Tensor keys, Tensor upscaled, Tensor hyperIn, Tensor iouHead,
                         Tensor lowResMasks, float[] iouPredictions) {}

    private static final float LAYER_NORM_2D_EPS = 1e-6f;   // official LayerNorm2d default

    private final Tensor iouToken, maskTokens;   // iou_token.weight [1, C], mask_tokens.weight [masks, C]
    private final SamTwoWayTransformer transformer;
    private final Tensor upscaleConv1Weight, upscaleConv1Bias, upscaleConv2Weight, upscaleConv2Bias;
    private final SamLayerNorm upscaleLayerNorm;
    private final List<SamFeedForward> outputHypernetworksMlps = new ArrayList<>();
    private final SamFeedForward iouPredictionHead;
    private final int hidden, numMaskTokens;

    SamMaskDecoder(Weights w, SamConfig.MaskDecoder c) {
        hidden = c.hiddenSize();
        numMaskTokens = c.numMultimaskOutputs() + 1;
        if (hidden % 8 != 0) throw new IllegalArgumentException("SAM mask decoder: hidden_size " + hidden + " is not a multiple of 8");
        iouToken = w.get("iou_token.weight", 1, hidden);
        maskTokens = w.get("mask_tokens.weight", numMaskTokens, hidden);
        transformer = new SamTwoWayTransformer(w.at("transformer"), c);
        upscaleConv1Weight = w.get("upscale_conv1.weight", hidden, hidden / 4, 2, 2);
        upscaleConv1Bias = w.get("upscale_conv1.bias", hidden / 4);
        upscaleLayerNorm = new SamLayerNorm(w, "upscale_layer_norm", hidden / 4, LAYER_NORM_2D_EPS);
        upscaleConv2Weight = w.get("upscale_conv2.weight", hidden / 4, hidden / 8, 2, 2);
        upscaleConv2Bias = w.get("upscale_conv2.bias", hidden / 8);
        for (int i = 0; i < numMaskTokens; i++)
            outputHypernetworksMlps.add(new SamFeedForward(w.at("output_hypernetworks_mlps." + i), hidden, hidden, hidden / 8, 3));
        iouPredictionHead = new SamFeedForward(w.at("iou_prediction_head"), hidden, c.iouHeadHiddenDim(), numMaskTokens, c.iouHeadDepth());
    }

    /** imagePe [C, g, g] as tokens [HW, C]; the predictor passes the same imagePe with every prompt, so the last is kept. */
    private synchronized Tensor tokens(Backend b, Tensor imagePe, int hw) {
        if (imagePe != lastPe) {
            lastPeTokens = b.transpose(imagePe, hidden, hw);
            lastPe = imagePe;
        }
        return lastPeTokens;
    }

    private Tensor lastPe, lastPeTokens;

    /**
     * (imageEmbeddings + dense) as tokens [HW, C]. Without a mask prompt, dense is the same tensor
     * for every prompt, so for the prompts of one image this is the same tensor too: kept, it
     * lets the transformer's first block reuse its image side (SamTwoWayAttentionBlock.imageSide).
     */
    private synchronized Tensor imageTokens(Backend b, Tensor imageEmbeddings, Tensor dense, int hw) {
        if (imageEmbeddings != lastEmbeddings || dense != lastDense) {
            lastImageTokens = b.transpose(b.add(imageEmbeddings, dense), hidden, hw);
            lastEmbeddings = imageEmbeddings;
            lastDense = dense;
        }
        return lastImageTokens;
    }

    private Tensor lastEmbeddings, lastDense, lastImageTokens;

    /**
     * imageEmbeddings and imagePe [C, g, g], sparse [N, C] or null, dense [C, g, g]; multimask
     * selects the masks of tokens 1..3, else the mask of token 0.
     */
    public Output forward(Backend b, Tensor imageEmbeddings, Tensor imagePe, Tensor sparse, Tensor dense, boolean multimask) {
        int[] s = imageEmbeddings.shape();
        int g = s[1], hw = s[1] * s[2];
        Tensor tokens = sparse == null ? b.concat(iouToken, maskTokens) : b.concat(iouToken, maskTokens, sparse);
        Tensor src = imageTokens(b, imageEmbeddings, dense, hw);
        Tensor pos = tokens(b, imagePe, hw);
        SamTwoWayAttentionBlock.State out = transformer.forward(b, src, pos, tokens);

        Tensor map = b.reshape(b.transpose(out.keys(), hw, hidden), hidden, g, s[2]);
        Tensor up = b.gelu(upscaleLayerNorm.forward(b, b.convTranspose2x2(map, upscaleConv1Weight, upscaleConv1Bias)));
        up = b.gelu(b.convTranspose2x2(up, upscaleConv2Weight, upscaleConv2Bias));

        Tensor[] hyper = new Tensor[numMaskTokens];
        for (int i = 0; i < numMaskTokens; i++)
            hyper[i] = outputHypernetworksMlps.get(i).forward(b, b.slice(out.queries(), 1 + i, 2 + i));
        Tensor hyperIn = b.concat(hyper);                                   // [masks, C/8]
        // each mask is the upscaled map dotted with its token's hypernetwork output: a 1×1 conv
        Tensor masks = b.conv2d(up, b.reshape(hyperIn, numMaskTokens, hidden / 8, 1, 1), null, 1, 0);
        Tensor iouHead = iouPredictionHead.forward(b, b.slice(out.queries(), 0, 1));

        int from = multimask ? 1 : 0, to = multimask ? numMaskTokens : 1;
        float[] iou = b.download(iouHead);
        return new Output(out.queries(), out.keys(), up, hyperIn, iouHead, b.slice(masks, from, to),
                Arrays.copyOfRange(iou, from, to));
    }
}
