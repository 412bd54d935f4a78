package dev.jground.cli;

import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.util.Arrays;
import java.util.Locale;

/**
 * The golden rule for one output: floats pass when {@code |actual - expected| <= abs + rel * |expected|}
 * elementwise; integers and masks must be equal, except for at most {@code maxMismatch}
 * elements (mask pixels whose logit lies inside the tolerance band around the threshold).
 */
public record Comparison(double abs, double rel, int maxMismatch) {

    /** What one comparison found. */
    public record Result(String name, boolean passed, String detail) {
        public String line() { return String.format(Locale.ROOT, "%-40s %s  %s", name, passed ? "PASS" : "FAIL", detail); }
    }

    public Result compare(String name, TensorView actual, TensorView expected) {
        if (!Arrays.equals(actual.shape(), expected.shape()))
            return new Result(name, false, "shape " + Shapes.str(actual.shape()) + ", expected " + Shapes.str(expected.shape()));
        long n = expected.numel();
        if (expected.dtype().isFloat()) {
            double maxAbs = 0, maxRel = 0;
            long bad = 0, worst = -1;
            double worstExcess = -1;
            for (long i = 0; i < n; i++) {
                double a = actual.getDouble(i), e = expected.getDouble(i), d = Math.abs(a - e);
                if (Double.isNaN(a) != Double.isNaN(e)) d = Double.POSITIVE_INFINITY;
                else if (Double.isNaN(a)) d = 0;
                maxAbs = Math.max(maxAbs, d);
                if (e != 0) maxRel = Math.max(maxRel, d / Math.abs(e));
                double excess = d - (abs + rel * Math.abs(e));
                if (excess > 0) {
                    bad++;
                    if (excess > worstExcess) { worstExcess = excess; worst = i; }
                }
            }
            String detail = String.format(Locale.ROOT, "max abs %.3e  max rel %.3e  (tol abs %.0e rel %.0e)", maxAbs, maxRel, abs, rel);
            if (bad > 0)
                detail += String.format(Locale.ROOT, "  %d of %d outside, worst at %d: %s vs %s", bad, n, worst,
                        actual.getDouble(worst), expected.getDouble(worst));
            return new Result(name, bad == 0, detail);
        }
        long mismatched = 0, first = -1;
        for (long i = 0; i < n; i++)
            if (actual.getLong(i) != expected.getLong(i)) { if (first < 0) first = i; mismatched++; }
        String detail = mismatched == 0 ? "exact" : mismatched + " of " + n + " differ (allowed " + maxMismatch
                + "), first at " + first + ": " + actual.getLong(first) + " vs " + expected.getLong(first);
        return new Result(name, mismatched <= maxMismatch, detail);
    }
}
