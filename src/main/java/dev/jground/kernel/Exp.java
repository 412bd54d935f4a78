package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x from lanewise IEEE operations only (Cephes expf: x = n ln2 + r, a degree-7 polynomial for
 * e^r, 2^n from the exponent bits), within 2 ulp of the exact value. {@code lanewise(EXP)} is
 * SVML when compiled and {@code Math.exp} when interpreted, so it differs in the last bit
 * between JIT tiers (about 1% of inputs); this gives the same bits everywhere, and the scalar
 * {@link #exp(float)} is the same arithmetic lane for lane.
 */
public final class Exp {
    private Exp() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float MAGIC = 12582912f;            // 1.5 * 2^23: adding it rounds to an integer
    private static final int MAGIC_BITS = 0x4B400000;
    private static final float C1 = 0.693359375f, C2 = -2.12194440e-4f;   // ln 2 = C1 + C2, C1 exact in few bits
    private static final float[] P = {5.0000001201e-1f, 1.6666665459e-1f, 4.1665795894e-2f,
            8.3334519073e-3f, 1.3981999507e-3f, 1.9875691500e-4f};
    // below LO the result rounds to 0, above HI it overflows; clamping keeps 2^n representable in two factors
    private static final float LO = -110f, HI = 89f;

    public static float exp(float x) {
        float xc = Math.min(Math.max(x, LO), HI);
        float t = Math.fma(xc, LOG2E, MAGIC);
        float n = t - MAGIC;
        float r = Math.fma(-n, C2, Math.fma(-n, C1, xc));
        float p = P[P.length - 1];
        for (int i = P.length - 2; i >= 0; i--) p = Math.fma(p, r, P[i]);
        float y = Math.fma(p, r * r, r) + 1f;
        int ni = Float.floatToRawIntBits(t) - MAGIC_BITS, n1 = ni >> 1, n2 = ni - n1;
        return y * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LO).min(HI);
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector minusN = n.neg();
        FloatVector r = minusN.fma(FloatVector.broadcast(x.species(), C2), minusN.fma(FloatVector.broadcast(x.species(), C1), xc));
        FloatVector p = FloatVector.broadcast(x.species(), P[P.length - 1]);
        for (int i = P.length - 2; i >= 0; i--) p = p.fma(r, FloatVector.broadcast(x.species(), P[i]));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(s1).mul(s2);
    }
}
