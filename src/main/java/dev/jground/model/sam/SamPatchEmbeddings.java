package dev.jground.model.sam;

import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** PatchEmbed: a conv with kernel = stride = patch size (with bias), read out as channels-last tokens. */
final class SamPatchEmbeddings {
    private final Tensor weight, bias;   // projection.weight [D, 3, p, p], projection.bias [D]
    private final int patch, hidden;

    SamPatchEmbeddings(Weights w, SamConfig.Vision c) {
        patch = c.patchSize();
        hidden = c.hiddenSize();
        weight = w.get("projection.weight", hidden, c.numChannels(), patch, patch);
        bias = w.get("projection.bias", hidden);
    }

    /** pixels [3, S, S] -> tokens [g*g, D], row-major over the grid (the official B H W C layout). */
    Tensor forward(Backend b, Tensor pixels) {
        Tensor map = b.conv2d(pixels, weight, bias, patch, 0);
        int[] s = map.shape();
        return b.transpose(map, hidden, s[1] * s[2]);
    }
}
