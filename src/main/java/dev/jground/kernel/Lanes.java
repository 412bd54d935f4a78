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

    /** The sum of v's lanes, deterministic across compilation tiers. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : BUTTERFLY) v = v.add(v.rearrange(s));
        return v.lane(0);
    }
}
