package dev.jground.model.llama;

import java.util.List;

/** Several recorders fed from one pass. */
public final class Recorders {
    private Recorders() {}

    public static AttentionRecorder of(AttentionRecorder... recorders) {
        List<AttentionRecorder> all = List.of(recorders);
        return (layer, probs, heads, queries, keys) -> {
            for (AttentionRecorder r : all) r.layer(layer, probs, heads, queries, keys);
        };
    }
}
