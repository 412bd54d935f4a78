package dev.jground.model.clip;

import dev.jground.io.config.ClipVisionConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** CLIPVisionEmbeddings: patch conv (no bias), a class token in front, learned positions added. */
final class ClipVisionEmbeddings {
    private final Tensor patchEmbedding;      // patch_embedding.weight [D, C, p, p]
    private final Tensor classEmbedding;      // class_embedding [D]
    private final Tensor positionEmbedding;   // position_embedding.weight [N + 1, D]
    private final int patch, hidden;

    ClipVisionEmbeddings(Weights w, ClipVisionConfig c) {
        patch = c.patchSize();
        hidden = c.hiddenSize();
        int grid = c.imageSize() / patch;
        patchEmbedding = w.get("patch_embedding.weight", hidden, c.numChannels(), patch, patch);
        classEmbedding = w.get("class_embedding", hidden);
        positionEmbedding = w.get("position_embedding.weight", grid * grid + 1, hidden);
    }

    /** pixels [C, S, S] -> [N + 1, D], patches row-major over the grid, class token first. */
    Tensor forward(Backend b, Tensor pixels) {
        Tensor map = b.conv2d(pixels, patchEmbedding, null, patch, 0);          // [D, g, g]
        int[] s = map.shape();
        Tensor patches = b.transpose(map, hidden, s[1] * s[2]);                 // [N, D]
        Tensor cls = b.reshape(classEmbedding, 1, hidden), tokens = b.concat(cls, patches), y = b.add(tokens, positionEmbedding);
        Tensor.close(map, patches, cls, tokens);   // cls is a view: the weight itself stays
        return y;
    }
}
