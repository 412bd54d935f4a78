package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A lane sum with one fixed order. {@code reduceLanes(ADD)} may add in one order when compiled
 * and another when interpreted, so the same forward pass could differ in the last bit between
 * two runs in one JVM; an xor butterfly of lanewise adds is the same arithmetic in every tier.
 */
final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float>[] BUTTERFLY = butterfly();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] butterfly() {
        int steps = Integer.numberOfTrailingZeros(F.length());
        VectorShuffle<Float>[] s = new VectorShuffle[steps];
        for (int k = 0; k < steps; k++) {
            int d = 1 << k;
            s[k] = VectorShuffle.fromOp(F, i -> i ^ d);
        }
        return s;
    }

    /**
     * a holds {@code count} vectors (count ≤ L) one after another, stored by the kernel that made
     * them; a[r] becomes the lane sum of vector r, in the butterfly's order, in scalar code. For
     * the innermost kernels: a call of {@link #sum(FloatVector)} that C2 leaves out of line runs
     * the Vector API's Java fallback (it did so for the F16 GEMV in some JVMs and not in others,
     * and the whole product ran five times as slow); a stored vector cannot be left so.
     */
    static void sumEach(float[] a, int count) {
        for (int r = 0; r < count; r++) a[r] = sum(a, r * F.length());   // a[r] lies in vector 0's lanes, already summed
    }

    /** The sum of the L floats at a[off ..] as {@link #sum(FloatVector)} adds them: step d adds lanes i and i ^ d; overwrites them. */
    private static float sum(float[] a, int off) {
        int n = F.length();
        for (int d = 1; d < n; d <<= 1)
            for (int i = 0; i < n; i++)
                if ((i & d) == 0) {
                    float t = a[off + i] + a[off + i + d];
                    a[off + i] = t;
                    a[off + i + d] = t;
                }
        return a[off];
    }

    /** The sum of v's lanes, deterministic across compilation tiers. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : BUTTERFLY) v = v.add(v.rearrange(s));
        return v.lane(0);
    }
}
