package dev.jground.model.llama;

import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Autoregressive generation with a KV cache: one prompt pass, then one single-token pass per
 * new token. Step 0's token comes from the prompt pass's last row; step i >= 1 feeds token
 * i - 1 at position T - 1 + i.
 */
public final class Generator {
    private final LlamaForCausalLM model;

    /** Told of each token as it is chosen, with the logits it was chosen from. */
    @FunctionalInterface
    public interface Listener {
        void token(int step, int token, float[] logits);
    }

    public Generator(LlamaForCausalLM model) { this.model = model; }

    /**
     * Generates up to {@code maxNewTokens} after the prompt embeddings [T, D], stopping after
     * {@code eos} (which is returned as the last token) or at the limit. recorder and listener may be null.
     */
    public List<Integer> generate(Backend b, Tensor promptEmbeds, int maxNewTokens, Sampler sampler, int eos,
                                  AttentionRecorder recorder, Listener listener) {
        int t = promptEmbeds.shape()[0];
        int context = model.config().maxPositionEmbeddings();
        if (t + Math.max(maxNewTokens - 1, 0) > context)
            throw new IllegalArgumentException("the prompt's " + t + " tokens plus " + maxNewTokens
                    + " new tokens exceed the model's context of " + context);
        List<Integer> out = new ArrayList<>();
        if (maxNewTokens <= 0) return out;
        try (KvCache cache = model.newCache(b, t + maxNewTokens - 1)) {
            Tensor logits = model.forward(b, promptEmbeds, cache, recorder, false, null);
            for (int step = 0; ; step++) {
                float[] row = b.download(logits);
                logits.close();
                int token = sampler.sample(row);
                out.add(token);
                if (listener != null) listener.token(step, token, row);
                if (token == eos || step + 1 == maxNewTokens) return out;
                Tensor embed = model.embed(b, new int[] {token});
                logits = model.forward(b, embed, cache, recorder, false, null);
                embed.close();
            }
        }
    }
}
