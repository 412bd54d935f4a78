package dev.jground.model.sd;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/** torch.nn.Conv2d with bias, square kernel, zero padding: weight [out, in, k, k] as checkpoints store it. */
record Conv2d(Tensor weight, Tensor bias, int stride, int padding) {

    /** Binds {@code name.weight} and {@code name.bias}; padding (k - 1) / 2 keeps the size at stride 1. */
    static Conv2d of(Weights w, String name, int in, int out, int kernel, int stride, int padding) {
        Weights s = w.at(name);
        return new Conv2d(s.get("weight", out, in, kernel, kernel), s.get("bias", out), stride, padding);
    }

    /** A size-keeping k x k conv of stride 1. */
    static Conv2d same(Weights w, String name, int in, int out, int kernel) { return of(w, name, in, out, kernel, 1, (kernel - 1) / 2); }

    /** x [in, H, W] -> [out, H', W']. */
    Tensor forward(Backend b, Tensor x) { return b.conv2d(x, weight, bias, stride, padding); }

    /** The same conv with another bias [out] (the resnet's conv1 with the time embedding folded in). */
    Tensor forward(Backend b, Tensor x, Tensor otherBias) { return b.conv2d(x, weight, otherBias, stride, padding); }
}
