package dev.jground.model.llava;

import dev.jground.model.llama.AttentionRecorder;

import java.util.ArrayList;
import java.util.List;

/**
 * The recorder attend-and-segment reads: for each generated token, the attention of the query
 * that produced it over the visual keys only, averaged over the layers and the chosen heads
 * (aas-spec §1.5). Keeps one [visual tokens] map per token and nothing else.
 */
public final class VisualAttention implements AttentionRecorder {
    private final int start, count, layers;
    private final int[] heads;                  // null: every head
    private final List<float[]> maps = new ArrayList<>();
    private float[] sum;

    /**
     * Visual keys are positions [start, start + count); heads null averages all heads (the
     * paper's text), {@code {n - 2}} is what the official code's slice keeps.
     */
    public VisualAttention(int start, int count, int layers, int[] heads) {
        this.start = start;
        this.count = count;
        this.layers = layers;
        this.heads = heads == null ? null : heads.clone();
    }

    @Override public void layer(int layer, float[] probs, int heads, int queries, int keys) {
        if (layer == 0) sum = new float[count];
        int selected = this.heads == null ? heads : this.heads.length;
        for (int i = 0; i < selected; i++) {
            int h = this.heads == null ? i : this.heads[i];
            if (h < 0 || h >= heads) throw new IllegalArgumentException("head " + h + " of " + heads);
            int row = (h * queries + queries - 1) * keys + start;
            for (int k = 0; k < count; k++) sum[k] += probs[row + k];
        }
        if (layer == layers - 1) {
            float n = (float) layers * selected;
            for (int k = 0; k < count; k++) sum[k] /= n;
            maps.add(sum);
        }
    }

    /** One map per decoding pass so far (pass i produced token i), each [count] row-major over the grid. */
    public List<float[]> maps() { return maps; }
}
