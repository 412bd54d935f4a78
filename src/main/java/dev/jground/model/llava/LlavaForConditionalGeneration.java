package dev.jground.model.llava;

import dev.jground.io.Checkpoint;
import dev.jground.io.config.LlamaConfig;
import dev.jground.io.config.LlavaConfig;
import dev.jground.model.Weights;
import dev.jground.model.clip.ClipVisionModel;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * LLaVA-1.5: CLIP vision tower, projector, LLaMA decoder. The image's features take the place
 * of the single {@code <image>} token in the prompt (one visual token per CLIP patch).
 */
public final class LlavaForConditionalGeneration implements LlavaModel {
    private final ClipVisionModel visionTower;
    private final LlavaMultiModalProjector multiModalProjector;
    private final LlamaForCausalLM languageModel;
    private final LlavaConfig config;
    private final int featureLayer;   // index into the vision tower's hidden states

    public LlavaForConditionalGeneration(Checkpoint checkpoint, Backend b, LlavaConfig c) {
        config = c;
        if (!c.visionFeatureSelectStrategy().equals("default"))
            throw new IllegalArgumentException("vision_feature_select_strategy '" + c.visionFeatureSelectStrategy()
                    + "' is not supported (default: drop CLS)");
        Weights root = Weights.of(checkpoint, b);
        // transformers <= 4.51 saved language_model.model.* and language_model.lm_head; >= 4.52 saves
        // model.language_model.* (no inner model.), model.vision_tower.*, and lm_head at the top.
        boolean renamed = checkpoint.has("model.language_model.embed_tokens.weight");
        Weights top = renamed ? root.at("model") : root;
        visionTower = new ClipVisionModel(top.at("vision_tower").at("vision_model"), c.vision());
        multiModalProjector = new LlavaMultiModalProjector(top.at("multi_modal_projector"), c);
        languageModel = renamed ? new LlamaForCausalLM(top.at("language_model"), root, c.text())
                : new LlamaForCausalLM(root.at("language_model").at("model"), root.at("language_model"), c.text());
        int states = c.vision().numHiddenLayers() + 1;
        featureLayer = c.visionFeatureLayer() < 0 ? states + c.visionFeatureLayer() : c.visionFeatureLayer();
        if (featureLayer < 0 || featureLayer >= states)
            throw new IllegalArgumentException("vision_feature_layer " + c.visionFeatureLayer() + " is outside the tower's "
                    + states + " hidden states");
    }

    public LlavaConfig config() { return config; }

    public ClipVisionModel visionTower() { return visionTower; }

    @Override public LlamaForCausalLM languageModel() { return languageModel; }

    @Override public LlamaConfig text() { return config.text(); }

    @Override public int imageTokenIndex() { return config.imageTokenIndex(); }

    @Override public int imageSize() { return config.vision().imageSize(); }

    @Override public int gridSize() { return config.vision().gridSize(); }

    /** The visual tokens of one preprocessed image [3, S, S]: [patches, D]. */
    @Override public Tensor imageFeatures(Backend b, Tensor pixels) {
        Tensor hidden = visionTower.hiddenState(b, pixels, featureLayer), features = project(b, hidden);
        hidden.close();
        return features;
    }

    /** The projector over a vision hidden state [1 + patches, Dv], CLS dropped. */
    public Tensor project(Backend b, Tensor visionHidden) {
        Tensor patches = b.slice(visionHidden, 1, visionHidden.shape()[0]), y = multiModalProjector.forward(b, patches);
        patches.close();
        return y;
    }

    /** Index of the vision hidden state LLaVA reads (vision_feature_layer, made non-negative). */
    public int featureLayer() { return featureLayer; }
}
