package dev.jground.model.llava;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The visual-attention recorders against sums written out by hand over synthetic probabilities. */
class VisualAttentionTest {
    static final int LAYERS = 3, HEADS = 4, START = 2, COUNT = 5;

    /** One pass: per layer [heads, queries, keys] with keys = queries + 6; returns probs[layer]. */
    static float[][] pass(Random r, int queries) {
        int keys = queries + START + COUNT - 1;
        float[][] probs = new float[LAYERS][HEADS * queries * keys];
        for (float[] p : probs) for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        return probs;
    }

    static void feed(float[][] probs, int queries, dev.jground.model.llama.AttentionRecorder... recorders) {
        int keys = probs[0].length / (HEADS * queries);
        for (int l = 0; l < LAYERS; l++) for (var rec : recorders) rec.layer(l, probs[l], HEADS, queries, keys);
    }

    /** The last query row's visual keys, averaged over the (layer, head) pairs picked. */
    static float[] expected(float[][] probs, int queries, int[][] pairs) {
        int keys = probs[0].length / (HEADS * queries);
        float[] m = new float[COUNT];
        for (int[] p : pairs)
            for (int k = 0; k < COUNT; k++) m[k] += probs[p[0]][(p[1] * queries + queries - 1) * keys + START + k];
        for (int k = 0; k < COUNT; k++) m[k] /= pairs.length;
        return m;
    }

    @Test void averagesTheLastQueryRowOverTheChosenPairs() {
        Random r = new Random(7);
        VisualAttention all = VisualAttention.allHeads(START, COUNT, LAYERS, HEADS);
        VisualAttention official = VisualAttention.headOfEveryLayer(START, COUNT, LAYERS, HEADS, HEADS - 2);
        int[][] listed = {{0, 1}, {2, 3}, {2, 0}};
        VisualAttention some = VisualAttention.pairs(START, COUNT, LAYERS, HEADS, listed);
        VisualAttention.PerHead perHead = new VisualAttention.PerHead(START, COUNT, LAYERS, HEADS);
        int[][] allPairs = new int[LAYERS * HEADS][], officialPairs = new int[LAYERS][];
        for (int l = 0; l < LAYERS; l++) {
            officialPairs[l] = new int[] {l, HEADS - 2};
            for (int h = 0; h < HEADS; h++) allPairs[l * HEADS + h] = new int[] {l, h};
        }
        boolean[][] someMask = new boolean[LAYERS][HEADS];
        for (int[] p : listed) someMask[p[0]][p[1]] = true;
        for (int queries : new int[] {7, 1, 1}) {           // a prompt pass, then two decoding steps
            float[][] probs = pass(r, queries);
            feed(probs, queries, all, official, some, perHead);
            int i = all.maps().size() - 1;
            assertArrayEquals(expected(probs, queries, allPairs), all.maps().get(i), 1e-6f);
            assertArrayEquals(expected(probs, queries, officialPairs), official.maps().get(i), 1e-6f);
            assertArrayEquals(expected(probs, queries, listed), some.maps().get(i), 1e-6f);
            assertArrayEquals(expected(probs, queries, listed), perHead.maps(someMask).get(i), 1e-6f);
        }
        assertEquals(3, perHead.passes().size());
        assertEquals(LAYERS * HEADS * COUNT, perHead.passes().getFirst().length);
    }

    @Test void refusesPairsOutsideTheModel() {
        var e = assertThrows(IllegalArgumentException.class, () -> VisualAttention.pairs(START, COUNT, LAYERS, HEADS, new int[][] {{3, 0}}));
        assertEquals("(layer, head) [3, 0] is not in 3 layers x 4 heads", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VisualAttention.pairs(START, COUNT, LAYERS, HEADS, new int[0][]));
        assertThrows(IllegalArgumentException.class, () -> VisualAttention.headOfEveryLayer(START, COUNT, LAYERS, HEADS, 4));
        assertEquals(List.of(), VisualAttention.allHeads(START, COUNT, LAYERS, HEADS).maps());
    }
}
