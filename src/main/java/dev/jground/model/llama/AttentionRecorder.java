package dev.jground.model.llama;

/**
 * Receives each decoder layer's attention probabilities while a forward pass computes them:
 * the read-out attend-and-segment is built on (and any other: single heads, single layers).
 * Passing no recorder (null) costs nothing: the probabilities are then never materialised.
 */
public interface AttentionRecorder {

    /**
     * Layer {@code layer}'s probabilities [heads, queries, keys]; query q sits at position
     * keys - queries + q. queries is the pass's new tokens when {@link #everyQuery}, else 1: the
     * last query, whose logits pick the next token. Called for layers 0..L-1 in order.
     */
    void layer(int layer, float[] probs, int heads, int queries, int keys);

    /**
     * Whether a pass of many tokens (the prompt) hands over every query's row. Attend-and-segment
     * reads only the last, and asking for that alone keeps [heads, T, keys] per layer (46 MB a
     * layer for LLaVA-1.5-7B's 600-token prompt) on a GPU instead of across its bus.
     */
    default boolean everyQuery() { return false; }
}
