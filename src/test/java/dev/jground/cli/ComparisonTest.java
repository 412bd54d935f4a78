package dev.jground.cli;

import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ComparisonTest {
    private static final Comparison RULE = new Comparison(1e-4, 1e-3, 0);

    @Test void floatsWithinAbsPlusRelPass() {
        TensorView expected = TensorView.of("e", new float[] {0f, 1000f, -2f}, 3);
        // 1000 allows 1e-4 + 1 = 1.0001; 0 allows 1e-4
        TensorView actual = TensorView.of("a", new float[] {0.9e-4f, 1001f, -2.0015f}, 3);
        assertTrue(RULE.compare("x", actual, expected).passed());
    }

    @Test void floatsOutsideFailAndNameTheWorstElement() {
        TensorView expected = TensorView.of("e", new float[] {0f, 1000f, -2f}, 3);
        TensorView actual = TensorView.of("a", new float[] {0f, 1002f, -2f}, 3);
        Comparison.Result r = RULE.compare("x", actual, expected);
        assertFalse(r.passed());
        assertTrue(r.detail().contains("1 of 3 outside, worst at 1"), r.detail());
    }

    @Test void nanNeverPasses() {
        TensorView expected = TensorView.of("e", new float[] {1f}, 1);
        assertFalse(RULE.compare("x", TensorView.of("a", new float[] {Float.NaN}, 1), expected).passed());
    }

    @Test void shapeMismatchFails() {
        TensorView expected = TensorView.of("e", new float[] {1f, 2f}, 2);
        Comparison.Result r = RULE.compare("x", TensorView.of("a", new float[] {1f, 2f}, 1, 2), expected);
        assertFalse(r.passed());
        assertEquals("shape [1, 2], expected [2]", r.detail());
    }

    @Test void integersAreExactUnlessMismatchesAreAllowed() {
        TensorView expected = TensorView.ofBytes("e", new byte[] {0, 1, 1, 0}, 4);
        TensorView actual = TensorView.ofBytes("a", new byte[] {0, 1, 0, 0}, 4);
        assertFalse(RULE.compare("m", actual, expected).passed());
        assertTrue(new Comparison(0, 0, 1).compare("m", actual, expected).passed());
        assertTrue(RULE.compare("m", expected, expected).passed());
    }
}
