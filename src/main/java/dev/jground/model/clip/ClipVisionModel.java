package dev.jground.model.clip;

import dev.jground.io.config.ClipVisionConfig;
import dev.jground.model.LayerNorm;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * CLIPVisionTransformer (transformers' CLIPVisionModel.vision_model): embeddings,
 * pre_layrnorm (sic, the checkpoint's spelling), the encoder layers, post_layernorm on the
 * class token. LLaVA reads hidden_states[-2] and never uses post_layernorm.
 */
public final class ClipVisionModel {

    /**
     * hiddenStates.get(0) = pre_layrnorm(embeddings), hiddenStates.get(i) = output of layer i-1;
     * attentions holds each layer's probabilities [heads, T, T] when asked for, else is empty.
     */
    public record Output(Tensor embeddings, List<Tensor> hiddenStates, List<float[]> attentions, Tensor pooled) {
        public Tensor lastHiddenState() { return hiddenStates.getLast(); }
    }

    private final ClipVisionEmbeddings embeddings;
    private final LayerNorm preLayrnorm, postLayernorm;
    private final List<ClipEncoderLayer> layers = new ArrayList<>();
    private final ClipVisionConfig config;

    /** w is scoped to the vision model ("vision_model." or "vision_tower.vision_model."). */
    public ClipVisionModel(Weights w, ClipVisionConfig c) {
        config = c;
        float eps = (float) c.layerNormEps();
        embeddings = new ClipVisionEmbeddings(w.at("embeddings"), c);
        preLayrnorm = LayerNorm.of(w, "pre_layrnorm", c.hiddenSize(), eps);
        for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new ClipEncoderLayer(w.at("encoder.layers." + i), c));
        postLayernorm = w.has("post_layernorm.weight") ? LayerNorm.of(w, "post_layernorm", c.hiddenSize(), eps) : null;
    }

    public ClipVisionConfig config() { return config; }

    /** hidden_states[index] alone, running only the layers it needs (LLaVA reads index L - 1). */
    public Tensor hiddenState(Backend b, Tensor pixels, int index) {
        if (index < 0 || index > layers.size())
            throw new IllegalArgumentException("vision hidden state " + index + " of " + (layers.size() + 1));
        Tensor emb = embeddings.forward(b, pixels), x = preLayrnorm.forward(b, emb);
        emb.close();
        for (int l = 0; l < index; l++) {
            Tensor in = x;
            x = layers.get(l).forward(b, in, null);
            in.close();
        }
        return x;
    }

    /** pixels [C, S, S], preprocessed as CLIPImageProcessor does. */
    public Output forward(Backend b, Tensor pixels, boolean withAttentions) {
        Tensor emb = embeddings.forward(b, pixels);
        List<Tensor> hidden = new ArrayList<>();
        List<float[]> attentions = new ArrayList<>();
        Tensor x = preLayrnorm.forward(b, emb);
        hidden.add(x);
        int tokens = x.shape()[0];
        for (ClipEncoderLayer layer : layers) {
            float[] probs = withAttentions ? new float[layer.heads() * tokens * tokens] : null;
            x = layer.forward(b, x, probs);
            hidden.add(x);
            if (probs != null) attentions.add(probs);
        }
        Tensor pooled = postLayernorm == null ? null : postLayernorm.forward(b, b.slice(x, 0, 1));
        return new Output(emb, hidden, attentions, pooled);
    }
}
