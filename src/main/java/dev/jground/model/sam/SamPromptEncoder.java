package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PromptEncoder: points and box corners become sparse tokens (Fourier features of the pixel
 * centre plus a learned embedding per kind), a low-res mask becomes the dense embedding.
 * Coordinates are in the model's input frame (the resized image, before padding).
 */
public final class SamPromptEncoder {
    /** Point labels: a padding point, background, foreground. */
    public static final int PAD = -1, BACKGROUND = 0, FOREGROUND = 1;

    private final SamPositionalEmbedding sharedEmbedding;
    private final Tensor[] pointEmbed = new Tensor[4];   // point_embed.{0..3}.weight [1, C]: negative, positive, box corners
    private final Tensor notAPointEmbed, noMaskEmbed;    // [1, C]
    private final SamMaskEmbedding maskEmbed;
    private final int hidden, imageSize, grid;

    SamPromptEncoder(Weights w, SamConfig.PromptEncoder c, SamPositionalEmbedding shared) {
        hidden = c.hiddenSize();
        imageSize = c.imageSize();
        grid = c.imageEmbeddingSize();
        sharedEmbedding = shared;
        if (shared.channels() != hidden)
            throw new IllegalArgumentException("SAM config: positional embedding of " + shared.channels() + " channels, prompt encoder hidden_size " + hidden);
        if (c.numPointEmbeddings() != 4)
            throw new IllegalArgumentException("SAM prompt encoder: num_point_embeddings " + c.numPointEmbeddings() + ", expected 4");
        for (int i = 0; i < 4; i++) pointEmbed[i] = w.get("point_embed." + i + ".weight", 1, hidden);
        notAPointEmbed = w.get("not_a_point_embed.weight", 1, hidden);
        noMaskEmbed = w.get("no_mask_embed.weight", 1, hidden);
        maskEmbed = new SamMaskEmbedding(w.at("mask_embed"), c);
    }

    /**
     * The sparse tokens [N, C] of points (x, y pairs, labels 1 / 0) then box corners, or null
     * when there are neither. Without a box one padding point is appended (_embed_points pad).
     */
    public Tensor sparse(Backend b, float[] points, int[] labels, float[] box) {
        List<Tensor> tokens = new ArrayList<>();
        if (points != null && points.length > 0) {
            if (labels == null || labels.length * 2 != points.length)
                throw new IllegalArgumentException("SAM prompt: " + points.length / 2 + " points but " + (labels == null ? 0 : labels.length) + " labels");
            boolean pad = box == null;
            int n = labels.length + (pad ? 1 : 0);
            float[] xy = new float[2 * n];
            for (int i = 0; i < points.length; i++) xy[i] = points[i] + 0.5f;   // pixel centres; the pad point stays (0, 0)
            Tensor pe = sharedEmbedding.points(b, xy, imageSize, imageSize);
            for (int i = 0; i < n; i++) {
                int label = i < labels.length ? labels[i] : PAD;
                Tensor row = b.slice(pe, i, i + 1);
                tokens.add(switch (label) {
                    case PAD -> notAPointEmbed;   // replaces the features: point_embedding[labels == -1] = 0, += not_a_point
                    case BACKGROUND -> b.add(row, pointEmbed[0]);
                    case FOREGROUND -> b.add(row, pointEmbed[1]);
                    default -> throw new IllegalArgumentException("SAM prompt: point label " + label + " is not 1 (foreground) or 0 (background)");
                });
            }
        }
        if (box != null) {
            if (box.length != 4) throw new IllegalArgumentException("SAM prompt: a box has 4 coordinates, got " + box.length);
            float[] corners = new float[4];
            for (int i = 0; i < 4; i++) corners[i] = box[i] + 0.5f;
            Tensor pe = sharedEmbedding.points(b, corners, imageSize, imageSize);
            tokens.add(b.add(b.slice(pe, 0, 1), pointEmbed[2]));
            tokens.add(b.add(b.slice(pe, 1, 2), pointEmbed[3]));
        }
        return tokens.isEmpty() ? null : b.concat(tokens.toArray(Tensor[]::new));
    }

    /** The dense embedding [C, g, g]: of mask logits [1, 4g, 4g], or no_mask_embed at every cell when masks is null. */
    public Tensor dense(Backend b, Tensor masks) {
        if (masks != null) {
            int[] s = masks.shape();
            if (s.length != 3 || s[0] != 1 || s[1] != 4 * grid || s[2] != 4 * grid)
                throw new IllegalArgumentException("SAM prompt: mask input " + Arrays.toString(s) + ", expected [1, "
                        + 4 * grid + ", " + 4 * grid + "]");
            return maskEmbed.forward(b, masks);
        }
        return noMaskDense(b);
    }

    /** no_mask_embed at every cell, [C, g, g]: the same for every prompt, so made once per backend. */
    private synchronized Tensor noMaskDense(Backend b) {
        if (noMask == null || noMaskBackend != b) {
            Tensor tokens = b.add(b.zeros(grid * grid, hidden), b.reshape(noMaskEmbed, hidden));
            noMask = b.reshape(b.transpose(tokens, grid * grid, hidden), hidden, grid, grid);
            noMaskBackend = b;
        }
        return noMask;
    }

    private Tensor noMask;
    private Backend noMaskBackend;

    /** get_dense_pe: the Fourier features of the embedding grid's cell centres, [C, g, g]. */
    public synchronized Tensor densePositionalEmbedding(Backend b) {
        // the same for every prompt and image (it depends on the weights only): made once per backend
        if (densePe == null || densePeBackend != b) {
            densePe = sharedEmbedding.grid(b, grid, grid);
            densePeBackend = b;
        }
        return densePe;
    }

    private Tensor densePe;
    private Backend densePeBackend;

    /** The side of the low-res mask input: 4 x the embedding grid. */
    public int maskInputSize() { return 4 * grid; }
}
