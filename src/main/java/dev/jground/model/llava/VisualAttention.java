package dev.jground.model.llava;

import dev.jground.model.llama.AttentionRecorder;

import java.util.ArrayList;
import java.util.List;

/**
 * The recorder attend-and-segment reads: for each generated token, the attention of the query
 * that produced it over the visual keys only, averaged over a chosen set of (layer, head) pairs
 * with equal weight (aas-spec §1.5). Keeps one [visual tokens] map per token and nothing else.
 */
public final class VisualAttention implements AttentionRecorder {
    private final int start, count, pairs;
    private final boolean[][] selected;         // [layer][head]
    private final List<float[]> maps = new ArrayList<>();
    private float[] sum;

    /** Visual keys are positions [start, start + count); selected[layer][head] picks the pairs averaged. */
    public VisualAttention(int start, int count, boolean[][] selected) {
        int n = 0;
        for (boolean[] layer : selected) for (boolean s : layer) if (s) n++;
        if (n == 0) throw new IllegalArgumentException("no (layer, head) pair selected");
        this.start = start;
        this.count = count;
        this.pairs = n;
        this.selected = selected.clone();
    }

    /** Every head of every layer: the paper's text. */
    public static VisualAttention allHeads(int start, int count, int layers, int heads) {
        return of(start, count, layers, heads, (l, h) -> true);
    }

    /** Head h of every layer: the official code keeps h = n_heads - 2 (its slice {@code x[:, -2:-1, :]}). */
    public static VisualAttention headOfEveryLayer(int start, int count, int layers, int heads, int h) {
        if (h < 0 || h >= heads) throw new IllegalArgumentException("head " + h + " of " + heads);
        return of(start, count, layers, heads, (l, k) -> k == h);
    }

    /** The given (layer, head) pairs, e.g. localization heads found by calibration (aas-spec §7.1). */
    public static VisualAttention pairs(int start, int count, int layers, int heads, int[][] pairs) {
        boolean[][] s = new boolean[layers][heads];
        for (int[] p : pairs) {
            if (p.length != 2 || p[0] < 0 || p[0] >= layers || p[1] < 0 || p[1] >= heads)
                throw new IllegalArgumentException("(layer, head) " + java.util.Arrays.toString(p) + " is not in "
                        + layers + " layers x " + heads + " heads");
            s[p[0]][p[1]] = true;
        }
        return new VisualAttention(start, count, s);
    }

    private interface Pick { boolean test(int layer, int head); }

    private static VisualAttention of(int start, int count, int layers, int heads, Pick pick) {
        boolean[][] s = new boolean[layers][heads];
        for (int l = 0; l < layers; l++) for (int h = 0; h < heads; h++) s[l][h] = pick.test(l, h);
        return new VisualAttention(start, count, s);
    }

    @Override public void layer(int layer, float[] probs, int heads, int queries, int keys) {
        if (layer == 0) sum = new float[count];
        if (heads != selected[layer].length)
            throw new IllegalArgumentException("layer " + layer + " has " + heads + " heads, the selection " + selected[layer].length);
        for (int h = 0; h < heads; h++) {
            if (!selected[layer][h]) continue;
            int row = (h * queries + queries - 1) * keys + start;
            for (int k = 0; k < count; k++) sum[k] += probs[row + k];
        }
        if (layer == selected.length - 1) {
            for (int k = 0; k < count; k++) sum[k] /= pairs;
            maps.add(sum);
        }
    }

    /** One map per decoding pass so far (pass i produced token i), each [count] row-major over the grid. */
    public List<float[]> maps() { return maps; }

    /**
     * Every layer's and head's map, kept apart, for read-outs that weigh or choose them afterwards
     * (localization heads, layer weights: aas-spec §7). Costs layers x heads x count floats per
     * token: 2.4 MB a token for LLaVA-1.5-7B, so meant for short answers and calibration.
     */
    public static final class PerHead implements AttentionRecorder {
        private final int start, count, layers, heads;
        private final List<float[]> passes = new ArrayList<>();

        public PerHead(int start, int count, int layers, int heads) {
            this.start = start;
            this.count = count;
            this.layers = layers;
            this.heads = heads;
        }

        @Override public void layer(int layer, float[] probs, int heads, int queries, int keys) {
            if (heads != this.heads) throw new IllegalArgumentException("layer " + layer + " has " + heads + " heads, expected " + this.heads);
            if (layer == 0) passes.add(new float[layers * heads * count]);
            float[] pass = passes.getLast();
            for (int h = 0; h < heads; h++)
                System.arraycopy(probs, (h * queries + queries - 1) * keys + start, pass, (layer * heads + h) * count, count);
        }

        /** Pass i's maps [layers, heads, count]. */
        public List<float[]> passes() { return passes; }

        /** Each pass's map averaged over the selected[layer][head] pairs, as {@link VisualAttention} would record it. */
        public List<float[]> maps(boolean[][] selected) {
            List<float[]> out = new ArrayList<>(passes.size());
            for (float[] pass : passes) {
                float[] m = new float[count];
                int n = 0;
                for (int l = 0; l < layers; l++)
                    for (int h = 0; h < heads; h++) {
                        if (!selected[l][h]) continue;
                        n++;
                        for (int k = 0; k < count; k++) m[k] += pass[(l * heads + h) * count + k];
                    }
                for (int k = 0; k < count; k++) m[k] /= n;
                out.add(m);
            }
            return out;
        }
    }
}
