package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** torch.nn.GroupNorm with affine weight and bias [C] over a [C, H, W] map. */
record GroupNorm(int groups, Tensor weight, Tensor bias, float eps) {

    GroupNorm(Weights w, int groups, int channels, float eps) {
        this(checkGroups(w, groups, channels), w.get("weight", channels), w.get("bias", channels), eps);
    }

    private static int checkGroups(Weights w, int groups, int channels) {
        if (groups < 1 || channels % groups != 0)
            throw new IllegalArgumentException(w.prefix() + ": " + channels + " channels do not split into " + groups + " groups (norm_num_groups)");
        return groups;
    }

    Tensor forward(Backend b, Tensor x) { return b.groupNorm(x, groups, weight, bias, eps); }
}
