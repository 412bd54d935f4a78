package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LanesTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** The stored vectors' scalar sums are the vector butterfly's, bit for bit, whatever the magnitudes (so the order matters). */
    @Test
    void storedVectorsSumInTheButterflysOrder() {
        Random r = new Random(3);
        int l = F.length();
        for (int trial = 0; trial < 200; trial++) {
            int count = 1 + trial % l;
            float[] a = new float[count * l], want = new float[count];
            for (int v = 0; v < count; v++) {
                for (int i = 0; i < l; i++) a[v * l + i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
                want[v] = Lanes.sum(FloatVector.fromArray(F, a, v * l));
            }
            Lanes.sumEach(a, count);
            for (int v = 0; v < count; v++)
                assertEquals(Float.floatToRawIntBits(want[v]), Float.floatToRawIntBits(a[v]), "trial " + trial + ", vector " + v);
        }
        // a plain left-to-right sum differs from the butterfly for some of these, so the test can tell the orders apart
        float[] b = {1e8f, 1f, -1e8f, 1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        if (l == 16) {
            float[] c = b.clone();
            Lanes.sumEach(c, 1);
            float leftToRight = 0;
            for (float v : b) leftToRight += v;
            assertEquals(Lanes.sum(FloatVector.fromArray(F, b, 0)), c[0]);
            assertNotEquals(leftToRight, c[0]);
        }
    }
}
