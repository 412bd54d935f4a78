package dev.jground.model.llama;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {

    @Test void greedyTakesTheFirstMaximum() {
        assertEquals(1, Sampler.greedy().sample(new float[] {0, 3, 3, -1}));
        assertEquals(0, Sampler.greedy().sample(new float[] {7}));
    }

    @Test void seededSamplingRepeatsAndFollowsTheDistribution() {
        float[] logits = {0, (float) Math.log(3), Float.NEGATIVE_INFINITY};     // p = 1/4, 3/4, 0
        int[] counts = new int[3];
        Sampler a = new Sampler.TopP(1f, 1f, 42), b = new Sampler.TopP(1f, 1f, 42);
        for (int i = 0; i < 4000; i++) {
            int t = a.sample(logits);
            assertEquals(t, b.sample(logits), "same seed, same draws");
            counts[t]++;
        }
        assertEquals(0, counts[2]);
        assertEquals(3000, counts[1], 120);   // binomial sd ~27
    }

    @Test void smallTopPKeepsOnlyTheMostLikely() {
        Sampler s = new Sampler.TopP(1f, 0.5f, 1);
        for (int i = 0; i < 200; i++) assertEquals(1, s.sample(new float[] {0, (float) Math.log(3), 0.5f}));
    }

    @Test void lowTemperatureSharpens() {
        int ones = 0;
        Sampler s = new Sampler.TopP(0.05f, 1f, 3);
        for (int i = 0; i < 500; i++) ones += s.sample(new float[] {0, 0.5f}) == 1 ? 1 : 0;
        assertTrue(ones > 495, "p(1) = 1 / (1 + e^-10) at T = 0.05, got " + ones);
    }

    @Test void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler.TopP(0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.TopP(1f, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.TopP(1f, 1.5f, 0));
    }
}
