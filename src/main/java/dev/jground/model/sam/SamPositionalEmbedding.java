package dev.jground.model.sam;

import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

/**
 * PositionEmbeddingRandom (transformers SamPositionalEmbedding, the model's
 * shared_image_embedding): random Fourier features of coordinates in [0, 1],
 * {@code c -> 2c - 1 -> c·G -> 2πc -> [sin | cos]}, with G as stored (no extra scale). The
 * features of a few points are computed on the host in float32, in PyTorch's order, and
 * uploaded: this is coordinate encoding, not a layer.
 */
final class SamPositionalEmbedding {
    private final float[] gaussian;   // positional_embedding [2, F]
    private final int features;

    SamPositionalEmbedding(Weights w, int features) {
        TensorView g = w.view("positional_embedding");
        if (g.rank() != 2 || g.dim(0) != 2 || g.dim(1) != features)
            throw new IllegalArgumentException(w.checkpoint().root().getFileName() + ": tensor '" + w.prefix()
                    + "positional_embedding' has shape " + Shapes.str(g.shape()) + ", config says [2, " + features + "]");
        gaussian = g.toFloatArray();
        this.features = features;
    }

    int channels() { return 2 * features; }

    /** xy [n, 2] in [0, 1] -> [n, 2F]. */
    float[] encode(float[] xy) {
        int n = xy.length / 2, f = features;
        float[] out = new float[n * 2 * f];
        float twoPi = (float) (2 * Math.PI);
        for (int i = 0; i < n; i++) {
            float x = 2 * xy[2 * i] - 1, y = 2 * xy[2 * i + 1] - 1;
            for (int j = 0; j < f; j++) {
                float v = twoPi * (x * gaussian[j] + y * gaussian[f + j]);
                out[i * 2 * f + j] = (float) Math.sin(v);
                out[i * 2 * f + f + j] = (float) Math.cos(v);
            }
        }
        return out;
    }

    /** Points (x, y) in pixels of a width x height input frame -> [n, 2F] on the backend. */
    Tensor points(Backend b, float[] xy, int width, int height) {
        float[] unit = new float[xy.length];
        for (int i = 0; i < xy.length; i += 2) {
            unit[i] = xy[i] / width;
            unit[i + 1] = xy[i + 1] / height;
        }
        return b.upload(encode(unit), xy.length / 2, channels());
    }

    /** The dense encoding of an h x w grid at the cell centres ((i + 0.5) / size, x first): [2F, h, w]. */
    Tensor grid(Backend b, int h, int w) {
        float[] xy = new float[2 * h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                xy[2 * (y * w + x)] = ((x + 1) - 0.5f) / w;   // torch: ones.cumsum(1) - 0.5, / w
                xy[2 * (y * w + x) + 1] = ((y + 1) - 0.5f) / h;
            }
        Tensor tokens = b.upload(encode(xy), h * w, channels());
        return b.reshape(b.transpose(tokens, h * w, channels()), channels(), h, w);
    }
}
