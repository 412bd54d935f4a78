package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ExpTest {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    static void check(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i + S.length() <= x.length; i += S.length()) Exp.exp(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        for (int i = 0; i + S.length() <= x.length; i++) {
            float scalar = Exp.exp(x[i]);
            assertEquals(Float.floatToIntBits(scalar), Float.floatToIntBits(y[i]), "vector and scalar twin at " + x[i]);
            double exact = Math.exp((double) x[i]);
            if (Double.isNaN(exact)) assertTrue(Float.isNaN(scalar));
            else if (exact > Float.MAX_VALUE) assertEquals(Float.POSITIVE_INFINITY, scalar, "overflow at " + x[i]);
            else if (exact >= Float.MIN_NORMAL)
                assertEquals(exact, scalar, 2 * Math.ulp((float) exact), "e^" + x[i]);
            else assertEquals(exact, scalar, Float.MIN_NORMAL * 1e-2, "tiny e^" + x[i]);
        }
    }

    @Test void withinTwoUlpAndTwinExactOverTheWholeRange() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[1 << 18];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 200 - 105);
        check(x);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        check(x);
    }

    @Test void specialValues() {
        float[] x = new float[S.length() * 2];
        float[] special = {0f, -0f, 1f, -1f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 88.72f, 88.73f,
                -87.3f, -103.9f, -104f, -200f, 1e-8f, -1e-8f, 50f};
        for (int i = 0; i < x.length; i++) x[i] = special[i % special.length];
        check(x);
        assertEquals(1f, Exp.exp(0f));
        assertEquals(0f, Exp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Exp.exp(Float.NaN)));
    }
}
