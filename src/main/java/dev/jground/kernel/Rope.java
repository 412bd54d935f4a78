package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rotary position embedding in Hugging Face's rotate_half layout (pairs (i, i + d/2), not
 * interleaved), with LlamaRotaryEmbedding's float32 arithmetic: inv_freq = 1 / θ^(2i/d) in
 * float, angle = float(pos) · inv_freq in float, cos/sin of that float angle, then
 * x·cos + rotate_half(x)·sin with each product rounded (no fused multiply-add).
 */
public final class Rope {
    private Rope() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final Map<Long, float[]> INV_FREQ = new ConcurrentHashMap<>();

    /** In place on x [tokens, heads * headDim]; token t sits at position pos0 + t. */
    public static void apply(float[] x, int tokens, int heads, int headDim, int pos0, float theta) {
        if (headDim < 2 || headDim % 2 != 0)
            throw new IllegalArgumentException("rope: headDim must be even and positive, got " + headDim);
        if (tokens < 0 || heads < 1 || x.length < (long) tokens * heads * headDim)
            throw new IllegalArgumentException("rope: x has " + x.length + " elements, need [" + tokens + ", " + heads + " * " + headDim + "]");
        if (pos0 < 0) throw new IllegalArgumentException("rope: negative position " + pos0);
        int half = headDim / 2;
        float[] invFreq = cachedInvFreq(headDim, theta);
        float[] cos = new float[half], sin = new float[half];
        VectorMask<Float> tail = S.indexInRange(S.loopBound(half), half);
        for (int t = 0; t < tokens; t++) {
            float pos = pos0 + t;
            for (int i = 0; i < half; i++) {
                float angle = pos * invFreq[i];
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                int lo = (t * heads + h) * headDim, hi = lo + half;
                int i = 0;
                for (int end = S.loopBound(half); i < end; i += S.length()) rotate(x, lo + i, hi + i, cos, sin, i, S.maskAll(true));
                if (i < half) rotate(x, lo + i, hi + i, cos, sin, i, tail);
            }
        }
    }

    // first half: x1·cos - x2·sin, second half: x2·cos + x1·sin   (rotate_half(x) = [-x2, x1])
    private static void rotate(float[] x, int lo, int hi, float[] cos, float[] sin, int i, VectorMask<Float> m) {
        FloatVector x1 = FloatVector.fromArray(S, x, lo, m), x2 = FloatVector.fromArray(S, x, hi, m);
        FloatVector c = FloatVector.fromArray(S, cos, i, m), s = FloatVector.fromArray(S, sin, i, m);
        x1.mul(c).sub(x2.mul(s)).intoArray(x, lo, m);
        x2.mul(c).add(x1.mul(s)).intoArray(x, hi, m);
    }

    /** 1 / θ^(2i/d) for i < d/2, each step rounded to float as torch computes it. */
    public static float[] invFreq(int headDim, float theta) { return cachedInvFreq(headDim, theta).clone(); }

    private static float[] cachedInvFreq(int headDim, float theta) {
        return INV_FREQ.computeIfAbsent(((long) headDim << 32) | (Float.floatToIntBits(theta) & 0xffffffffL), key -> {
            float[] f = new float[headDim / 2];
            for (int i = 0; i < f.length; i++) {
                float exponent = (float) (2 * i) / headDim;
                f[i] = 1f / (float) Math.pow(theta, exponent);
            }
            return f;
        });
    }
}
