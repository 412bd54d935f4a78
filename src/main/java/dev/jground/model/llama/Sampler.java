package dev.jground.model.llama;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from a row of logits: greedy, or temperature and nucleus (top-p) sampling. */
public sealed interface Sampler {

    int sample(float[] logits);

    /** argmax; the first of equal maxima, as torch.argmax. */
    record Greedy() implements Sampler {
        @Override public int sample(float[] logits) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }

        @Override public String toString() { return "greedy"; }
    }

    /** softmax(logits / temperature), keep the smallest top set whose mass reaches topP, draw from it. */
    final class TopP implements Sampler {
        private final float temperature, topP;
        private final long seed;
        private final SplittableRandom random;

        public TopP(float temperature, float topP, long seed) {
            if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be positive, got " + temperature);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            this.temperature = temperature;
            this.topP = topP;
            this.seed = seed;
            this.random = new SplittableRandom(seed);
        }

        @Override public String toString() { return "top-p " + topP + " at temperature " + temperature + ", seed " + seed; }

        @Override public int sample(float[] logits) {
            int n = logits.length;
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) max = Math.max(max, l);
            double[] p = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            int keep = 0;
            double mass = 0;
            while (keep < n && mass < topP * sum) mass += p[order[keep++]];
            double r = random.nextDouble() * mass;
            for (int i = 0; i < keep; i++) {
                r -= p[order[i]];
                if (r < 0) return order[i];
            }
            return order[keep - 1];
        }
    }

    static Sampler greedy() { return new Greedy(); }
}
