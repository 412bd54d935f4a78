package dev.jground.model.sam;

import dev.jground.io.Checkpoint;
import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * Segment Anything (transformers SamModel layout): the image encoder, the prompt encoder with
 * the shared random-Fourier positional embedding, and the mask decoder. Encode an image once
 * with {@link #visionEncoder()}; then {@link #decode} answers prompts against its embedding.
 */
public final class SamModel {

    /** A decoded prompt: the prompt encoder's sparse [N, C] (or null) and dense [C, g, g] embeddings and the decoder output. */
    public record Decoded(Tensor sparse, Tensor dense, SamMaskDecoder.Output decoder) {}

    private final SamVisionEncoder visionEncoder;
    private final SamPositionalEmbedding sharedImageEmbedding;
    private final SamPromptEncoder promptEncoder;
    private final SamMaskDecoder maskDecoder;
    private final SamConfig config;

    public SamModel(Checkpoint checkpoint, Backend b, SamConfig c) {
        config = c;
        Weights w = Weights.of(checkpoint, b);
        if (c.promptEncoder().hiddenSize() != c.maskDecoder().hiddenSize() || c.promptEncoder().hiddenSize() != c.vision().outputChannels())
            throw new IllegalArgumentException("SAM config: vision output_channels " + c.vision().outputChannels() + ", prompt encoder hidden_size "
                    + c.promptEncoder().hiddenSize() + " and mask decoder hidden_size " + c.maskDecoder().hiddenSize() + " must be equal");
        if (c.promptEncoder().imageEmbeddingSize() != c.vision().gridSize())
            throw new IllegalArgumentException("SAM config: prompt encoder grid " + c.promptEncoder().imageEmbeddingSize()
                    + " differs from the image encoder's " + c.vision().gridSize());
        visionEncoder = new SamVisionEncoder(w.at("vision_encoder"), c.vision());
        // transformers ties prompt_encoder.shared_embedding to this buffer; saved files keep one of the two names
        Weights shared = w.has("shared_image_embedding.positional_embedding") ? w.at("shared_image_embedding") : w.at("prompt_encoder.shared_embedding");
        sharedImageEmbedding = new SamPositionalEmbedding(shared, c.promptEncoder().hiddenSize() / 2);
        promptEncoder = new SamPromptEncoder(w.at("prompt_encoder"), c.promptEncoder(), sharedImageEmbedding);
        maskDecoder = new SamMaskDecoder(w.at("mask_decoder"), c.maskDecoder());
    }

    public SamConfig config() { return config; }

    public SamVisionEncoder visionEncoder() { return visionEncoder; }

    public SamPromptEncoder promptEncoder() { return promptEncoder; }

    public SamMaskDecoder maskDecoder() { return maskDecoder; }

    /** The image embedding [C, g, g] of preprocessed pixels [3, S, S]. */
    public Tensor embed(Backend b, Tensor pixels) { return visionEncoder.forward(b, pixels).imageEmbeddings(); }

    /**
     * Encodes a prompt given in the model's input frame (points as x, y pairs with labels 1 / 0,
     * a box x0, y0, x1, y1, low-res mask logits [1, 4g, 4g]; each may be null) and decodes it.
     */
    public Decoded decode(Backend b, Tensor imageEmbeddings, float[] points, int[] labels, float[] box, Tensor maskInput,
                          boolean multimask) {
        Tensor sparse = promptEncoder.sparse(b, points, labels, box);
        Tensor dense = promptEncoder.dense(b, maskInput);
        Tensor pe = promptEncoder.densePositionalEmbedding(b);
        return new Decoded(sparse, dense, maskDecoder.forward(b, imageEmbeddings, pe, sparse, dense, multimask));
    }

    /**
     * Sam.postprocess_masks: low-res logits [k, 4g, 4g] bilinearly (align_corners False) to the
     * padded input size, cropped to the resized image (inputH x inputW), then to the original
     * size: logits [k, height, width]. The last resize is a copy when the sizes agree (an image
     * whose long side is the input size), so it is skipped.
     */
    public Tensor postprocessMasks(Backend b, Tensor lowRes, int inputH, int inputW, int height, int width) {
        int size = config.vision().imageSize();
        Tensor cropped = b.crop(b.upsampleBilinear(lowRes, size, size, false), 0, 0, inputH, inputW);
        return inputH == height && inputW == width ? cropped : b.upsampleBilinear(cropped, height, width, false);
    }
}
