package dev.jground.model.sam;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The mask decoder's MLP heads (mask_decoder.py MLP): proj_in, layers.*, proj_out (the
 * official layers 0 .. n-1), ReLU between layers, nothing after the last (no sigmoid).
 */
final class SamFeedForward {
    private final Linear projIn, projOut;
    private final List<Linear> layers = new ArrayList<>();

    SamFeedForward(Weights w, int in, int hidden, int out, int numLayers) {
        if (numLayers < 2) throw new IllegalArgumentException("SAM mask decoder: an MLP head of " + numLayers + " layers (at least 2)");
        projIn = Linear.of(w, "proj_in", in, hidden);
        for (int i = 0; i < numLayers - 2; i++) layers.add(Linear.of(w, "layers." + i, hidden, hidden));
        projOut = Linear.of(w, "proj_out", hidden, out);
    }

    Tensor forward(Backend b, Tensor x) {
        x = b.relu(projIn.forward(b, x));
        for (Linear layer : layers) x = b.relu(layer.forward(b, x));
        return projOut.forward(b, x);
    }
}
