package dev.jground.kernel;

/**
 * PyTorch ConvTranspose2d with kernel 2 and stride 2 (SAM's mask upscaling): the taps never
 * overlap, so out[o, 2y + dy, 2x + dx] = bias[o] + Σ_c x[c, y, x] · w[c, o, dy, dx]. That is
 * one channels-first GEMM of the O·4 taps as weight rows with the map [C, H·W], whose planes
 * (o, tap) are then interleaved into out.
 */
public final class ConvTranspose2d {
    private ConvTranspose2d() {}

    /** The calling thread's buffer for the product [O·4, H·W], kept between calls. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /** At least n floats; the product writes all it reads, so megabytes need not be allocated and zeroed each call. */
    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) SCRATCH.set(s = new float[n]);
        return s;
    }

    /** x [inC, H, W], weight [inC, outC, 2, 2], bias [outC] or null, out [outC, 2H, 2W]. */
    public static void convTranspose2x2(float[] x, int inChannels, int height, int width, float[] weight, float[] bias,
                                        int outChannels, float[] out) {
        convTranspose2x2(x, inChannels, height, width, weight, bias, outChannels, out, Parallel.SERIAL);
    }

    /** As above on {@code par}'s threads. */
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

        // y [O·4, H·W] = w' · x, with w' [O·4, C] the weight's taps as rows (o, tap)
        float[] taps = new float[outChannels * 4 * inChannels];
        for (int c = 0; c < inChannels; c++)
            for (int t = 0; t < outChannels * 4; t++) taps[t * inChannels + c] = weight[c * outChannels * 4 + t];
        float[] tapBias = null;
        if (bias != null) {
            tapBias = new float[outChannels * 4];
            for (int t = 0; t < tapBias.length; t++) tapBias[t] = bias[t / 4];
        }
        float[] y = scratch(outChannels * 4 * plane);
        Matmul.matmulColumns(x, plane, WeightMatrix.ofF32(taps, outChannels * 4, inChannels), tapBias, y, par);
        int w2 = 2 * width;
        par.forChunks(outChannels * height, Math.max(1, Activations.GRAIN / (4 * width)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {   // row r = (o, input row): two output rows
                int o = r / height, row = r % height, src = o * 4 * plane + row * width, dst = (o * 2 * height + 2 * row) * w2;
                for (int col = 0; col < width; col++, src++) {
                    out[dst + 2 * col] = y[src];
                    out[dst + 2 * col + 1] = y[src + plane];
                    out[dst + w2 + 2 * col] = y[src + 2 * plane];
                    out[dst + w2 + 2 * col + 1] = y[src + 3 * plane];
                }
            }
        });
    }
}
