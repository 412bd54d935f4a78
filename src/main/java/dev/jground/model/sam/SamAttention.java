package dev.jground.model.sam;

import dev.jground.model.Linear;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * The mask decoder's attention (transformer.py Attention): q, k, v projected to C / downsample
 * channels, heads over those, softmax(q kᵀ / sqrt(head dim)) v, projected back to C.
 */
final class SamAttention {
    private final Linear qProj, kProj, vProj, outProj;
    private final int heads;
    private final float scale;

    SamAttention(Weights w, int dim, int heads, int downsampleRate) {
        int internal = dim / downsampleRate;
        if (internal % heads != 0)
            throw new IllegalArgumentException("SAM mask decoder: " + internal + " attention channels do not split into " + heads + " heads");
        qProj = Linear.of(w, "q_proj", dim, internal);
        kProj = Linear.of(w, "k_proj", dim, internal);
        vProj = Linear.of(w, "v_proj", dim, internal);
        outProj = Linear.of(w, "out_proj", internal, dim);
        this.heads = heads;
        scale = (float) (1 / Math.sqrt((double) internal / heads));
    }

    /** q [Tq, C], k and v [Tk, C] -> [Tq, C]. */
    Tensor forward(Backend b, Tensor q, Tensor k, Tensor v) {
        return attend(b, projectQ(b, q), projectK(b, k), projectV(b, v));
    }

    Tensor projectQ(Backend b, Tensor q) { return qProj.forward(b, q); }

    Tensor projectK(Backend b, Tensor k) { return kProj.forward(b, k); }

    Tensor projectV(Backend b, Tensor v) { return vProj.forward(b, v); }

    /** The attention of projected q [Tq, C / downsample], k and v [Tk, C / downsample], projected back: [Tq, C]. */
    Tensor attend(Backend b, Tensor q, Tensor k, Tensor v) {
        return outProj.forward(b, b.attention(q, k, v, k.shape()[0], heads, heads, scale, false, null));
    }
}
