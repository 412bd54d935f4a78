package dev.jground.model.llama;

import java.util.List;

/** Several recorders fed from one pass. */
public final class Recorders {
    private Recorders() {}

    public static AttentionRecorder of(AttentionRecorder... recorders) {
        List<AttentionRecorder> all = List.of(recorders);
        boolean every = all.stream().anyMatch(AttentionRecorder::everyQuery);
        if (every && !all.stream().allMatch(AttentionRecorder::everyQuery))
            throw new IllegalArgumentException("recorders of every query and of the last query only cannot share a pass");
        return new AttentionRecorder() {
            @Override public void layer(int layer, float[] probs, int heads, int queries, int keys) {
                for (AttentionRecorder r : all) r.layer(layer, probs, heads, queries, keys);
            }

            @Override public boolean everyQuery() { return every; }
        };
    }
}
