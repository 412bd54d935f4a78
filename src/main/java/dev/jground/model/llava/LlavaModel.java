package dev.jground.model.llava;

import dev.jground.io.config.LlamaConfig;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.Arrays;

/**
 * What chat and attend-and-segment need of a LLaVA-style model: a square grid of visual tokens
 * from a preprocessed image, spliced into the prompt in place of its one image token, and the
 * LLaMA decoder that reads them. LLaVA-1.5 ({@link LlavaForConditionalGeneration}, CLIP
 * features) and DiffLMM ({@link LlavaLlamaForCausalLM}, Stable Diffusion plus CLIP features) are two.
 */
public interface LlavaModel {

    LlamaConfig text();

    LlamaForCausalLM languageModel();

    /** The prompt id the visual tokens replace. */
    int imageTokenIndex();

    /** The side of the preprocessed square image the model takes. */
    int imageSize();

    /** Visual tokens per side of their grid (24 for both released models): attention maps are grid x grid. */
    int gridSize();

    default int numPatches() { return gridSize() * gridSize(); }

    /** The visual tokens [grid * grid, hidden] of one preprocessed image [3, imageSize, imageSize]. */
    Tensor imageFeatures(Backend b, Tensor pixels);

    /**
     * The decoder input: token embeddings with the one image token replaced in place by the
     * image features (llava_arch.py prepare_inputs_labels_for_multimodal, one image). ids hold
     * exactly one image token.
     */
    default Tensor inputsEmbeds(Backend b, int[] ids, Tensor imageFeatures) {
        int at = -1;
        for (int i = 0; i < ids.length; i++)
            if (ids[i] == imageTokenIndex()) {
                if (at >= 0) throw new IllegalArgumentException("the prompt holds more than one image token (" + imageTokenIndex() + ")");
                at = i;
            }
        if (at < 0) throw new IllegalArgumentException("the prompt holds no image token (" + imageTokenIndex() + ")");
        Tensor before = languageModel().embed(b, Arrays.copyOfRange(ids, 0, at));
        Tensor after = languageModel().embed(b, Arrays.copyOfRange(ids, at + 1, ids.length));
        Tensor embeds = b.concat(before, imageFeatures, after);
        Tensor.close(before, after);
        return embeds;
    }
}
