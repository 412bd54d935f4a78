package dev.jground.model.llama;

/**
 * Receives each decoder layer's attention probabilities while a forward pass computes them:
 * the read-out attend-and-segment is built on (and any other: single heads, single layers).
 * Passing no recorder (null) costs nothing: the probabilities are then never materialised.
 */
public interface AttentionRecorder {

    /**
     * Layer {@code layer}'s probabilities [heads, queries, keys] for a pass of {@code queries}
     * new tokens; query q sits at position keys - queries + q. Called for layers 0..L-1 in order.
     */
    void layer(int layer, float[] probs, int heads, int queries, int keys);
}
