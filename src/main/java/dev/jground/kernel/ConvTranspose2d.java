package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * PyTorch ConvTranspose2d with kernel 2 and stride 2 (SAM's mask upscaling): the taps never
 * overlap, so out[o, 2y + dy, 2x + dx] = bias[o] + Σ_c x[c, y, x] · w[c, o, dy, dx].
 * Each (o, dy, dx) plane is accumulated contiguously over H·W, then interleaved into out.
 */
public final class ConvTranspose2d {
    private ConvTranspose2d() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** x [inC, H, W], weight [inC, outC, 2, 2], bias [outC] or null, out [outC, 2H, 2W]. */
    public static void convTranspose2x2(float[] x, int inChannels, int height, int width, float[] weight, float[] bias,
                                        int outChannels, float[] out) {
        convTranspose2x2(x, inChannels, height, width, weight, bias, outChannels, out, Parallel.SERIAL);
    }

    /** As above, output channels split over {@code par}. */
    public static void convTranspose2x2(float[] x, int inChannels, int height, int width, float[] weight, float[] bias,
                                        int outChannels, float[] out, Parallel par) {
        if (inChannels < 1 || outChannels < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("convTranspose2x2: sizes must be positive, got inC=" + inChannels
                    + " outC=" + outChannels + " H=" + height + " W=" + width);
        int plane = height * width;
        if (x.length < (long) inChannels * plane)
            throw new IllegalArgumentException("convTranspose2x2: x has " + x.length + " elements, need [" + inChannels + ", " + height + ", " + width + "]");
        if (weight.length != inChannels * outChannels * 4)
            throw new IllegalArgumentException("convTranspose2x2: weight has " + weight.length + " elements, need [" + inChannels + ", " + outChannels + ", 2, 2]");
        if (bias != null && bias.length != outChannels)
            throw new IllegalArgumentException("convTranspose2x2: bias has " + bias.length + " elements, need " + outChannels);
        if (out.length < (long) outChannels * 4 * plane)
            throw new IllegalArgumentException("convTranspose2x2: out has " + out.length + " elements, need [" + outChannels + ", " + 2 * height + ", " + 2 * width + "]");

        par.forRange(outChannels, (o0, o1) -> {
            float[] acc = new float[plane];
            for (int o = o0; o < o1; o++) {
                for (int tap = 0; tap < 4; tap++) {   // tap = dy·2 + dx
                    java.util.Arrays.fill(acc, bias == null ? 0f : bias[o]);
                    for (int c = 0; c < inChannels; c++) axpy(weight[(c * outChannels + o) * 4 + tap], x, c * plane, acc, plane);
                    int dy = tap >> 1, dx = tap & 1, base = o * 4 * plane;
                    for (int y = 0; y < height; y++) {
                        int row = base + (2 * y + dy) * 2 * width + dx;
                        for (int xx = 0; xx < width; xx++) out[row + 2 * xx] = acc[y * width + xx];
                    }
                }
            }
        });
    }

    /** acc[0, n) += a · x[off, off + n). */
    private static void axpy(float a, float[] x, int off, float[] acc, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += S.length())
            FloatVector.fromArray(S, x, off + i).fma(av, FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        for (; i < n; i++) acc[i] = Math.fma(x[off + i], a, acc[i]);
    }
}
