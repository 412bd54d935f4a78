package dev.jground.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm, RMSNorm and GroupNorm as PyTorch / Hugging Face define them. Statistics are
 * accumulated in float vector lanes over short blocks and the block sums in double, which
 * keeps means and (two-pass, biased) variances within a few float ulps of exact.
 */
public final class Norms {
    private Norms() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int BLOCK = 16 * S.length();   // elements summed in float before flushing to double

    /** torch.nn.LayerNorm over each row of x [rows, dim]; weight and bias may be null (identity). Rows split over par. */
    public static void layerNorm(float[] x, float[] out, int rows, int dim, float[] weight, float[] bias, float eps, Parallel par) {
        checkRows("layerNorm", x, out, rows, dim);
        checkParam("layerNorm", "weight", weight, dim);
        checkParam("layerNorm", "bias", bias, dim);
        par.forChunks(rows, Math.max(1, Activations.GRAIN / dim), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * dim;
                double mean = mean(x, off, dim);
                double var = sumSquaredDiff(x, off, dim, (float) mean) / dim;
                float rstd = (float) (1.0 / Math.sqrt(var + eps));
                affineRow(x, out, off, dim, (float) mean, lowPart(mean), rstd, weight, bias);
            }
        });
    }

    /**
     * SAM's LayerNorm2d (segment-anything common.py): x [channels, spatial] normalised over the
     * channels at each position, then a per-channel affine. Lanes run along positions, so a
     * vector of positions walks down the channels and no statistic needs a horizontal sum; each
     * lane sums its channels in order.
     */
    public static void layerNormChannels(float[] x, float[] out, int channels, int spatial, float[] weight, float[] bias,
                                         float eps, Parallel par) {
        checkRows("layerNormChannels", x, out, channels, spatial);
        checkParam("layerNormChannels", "weight", weight, channels);
        checkParam("layerNormChannels", "bias", bias, channels);
        int grain = Math.max(S.length(), Activations.GRAIN / channels / S.length() * S.length());
        par.forChunks(spatial, grain, (p0, p1) -> {
            for (int p = p0; p < p1; p += S.length())
                column(x, out, channels, spatial, p, S.indexInRange(p, p1), weight, bias, eps);
        });
    }

    /** Positions [p, p + L) where m is set. */
    private static void column(float[] x, float[] out, int channels, int spatial, int p, VectorMask<Float> m,
                               float[] weight, float[] bias, float eps) {
        // Two-pass statistics in float, kept precise by never forming the mean: x - shift first (exact
        // near the shift), an offset from its sum, then a correction from the sum of the residuals,
        // which are centred and so summed with small partial sums (the corrected two-pass algorithm)
        FloatVector shift = FloatVector.fromArray(S, x, p, m), sum = FloatVector.zero(S);
        for (int c = 0; c < channels; c++) sum = sum.add(FloatVector.fromArray(S, x, c * spatial + p, m).sub(shift));
        FloatVector offset = sum.div(channels), residuals = FloatVector.zero(S), squares = FloatVector.zero(S);
        for (int c = 0; c < channels; c++) {
            FloatVector d = FloatVector.fromArray(S, x, c * spatial + p, m).sub(shift).sub(offset);
            residuals = residuals.add(d);
            squares = d.fma(d, squares);
        }
        FloatVector correction = residuals.div(channels);
        FloatVector var = squares.div(channels).sub(correction.mul(correction));
        FloatVector rstd = FloatVector.broadcast(S, 1f).div(var.add(eps).sqrt());
        for (int c = 0; c < channels; c++) {
            FloatVector y = FloatVector.fromArray(S, x, c * spatial + p, m).sub(shift).sub(offset).sub(correction).mul(rstd);
            if (weight != null) y = y.mul(weight[c]);
            if (bias != null) y = y.add(bias[c]);
            y.intoArray(out, c * spatial + p, m);
        }
    }

    /** HF LlamaRMSNorm: x · rsqrt(mean(x²) + eps) in float32, then · weight (weight may be null). */
    public static void rmsNorm(float[] x, float[] out, int rows, int dim, float[] weight, float eps) {
        checkRows("rmsNorm", x, out, rows, dim);
        checkParam("rmsNorm", "weight", weight, dim);
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float variance = (float) (sumSquaredDiff(x, off, dim, 0f) / dim);
            float rstd = (float) (1.0 / Math.sqrt(variance + eps));   // float variance + eps, as torch.rsqrt sees it
            int i = off, vEnd = off + S.loopBound(dim), end = off + dim;
            for (; i < vEnd; i += S.length()) {
                FloatVector y = FloatVector.fromArray(S, x, i).mul(rstd);
                if (weight != null) y = y.mul(FloatVector.fromArray(S, weight, i - off));
                y.intoArray(out, i);
            }
            for (; i < end; i++) {
                float y = x[i] * rstd;
                out[i] = weight == null ? y : y * weight[i - off];
            }
        }
    }

    /** torch.nn.GroupNorm on x [channels, spatial]: statistics per group of channels, affine per channel. */
    public static void groupNorm(float[] x, float[] out, int channels, int spatial, int groups, float[] weight, float[] bias, float eps) {
        if (groups < 1 || channels % groups != 0)
            throw new IllegalArgumentException("groupNorm: " + channels + " channels do not split into " + groups + " groups");
        checkRows("groupNorm", x, out, channels, spatial);
        checkParam("groupNorm", "weight", weight, channels);
        checkParam("groupNorm", "bias", bias, channels);
        int perGroup = channels / groups;
        long n = (long) perGroup * spatial;
        for (int g = 0; g < groups; g++) {
            int off = g * perGroup * spatial;
            double mean = mean(x, off, (int) n);
            float rstd = (float) (1.0 / Math.sqrt(sumSquaredDiff(x, off, (int) n, (float) mean) / n + eps));
            for (int c = g * perGroup; c < (g + 1) * perGroup; c++)
                affineChannel(x, out, c * spatial, spatial, (float) mean, lowPart(mean), rstd,
                        weight == null ? 1f : weight[c], bias == null ? 0f : bias[c]);
        }
    }

    /**
     * The mean is passed as hi + lo floats: x - hi is (nearly) exact, and subtracting lo keeps
     * the rounding of the mean to float out of the result (it would shift every output of a
     * row with mean 1000 and std 1 by up to 3e-5).
     */
    private static float lowPart(double mean) { return (float) (mean - (float) mean); }

    /** out = (x - mean) · rstd · w + b over one row [off, off + n), w and b indexed along the row. */
    private static void affineRow(float[] x, float[] out, int off, int n, float mean, float meanLo, float rstd, float[] w, float[] b) {
        int i = off, vEnd = off + S.loopBound(n), end = off + n;
        for (; i < vEnd; i += S.length()) {
            FloatVector y = FloatVector.fromArray(S, x, i).sub(mean).sub(meanLo).mul(rstd);
            if (w != null) y = y.mul(FloatVector.fromArray(S, w, i - off));
            if (b != null) y = y.add(FloatVector.fromArray(S, b, i - off));
            y.intoArray(out, i);
        }
        for (; i < end; i++) {
            float y = (x[i] - mean - meanLo) * rstd;
            if (w != null) y *= w[i - off];
            if (b != null) y += b[i - off];
            out[i] = y;
        }
    }

    /** out = (x - mean) · rstd · w + b over one channel [off, off + n), w and b scalars. */
    private static void affineChannel(float[] x, float[] out, int off, int n, float mean, float meanLo, float rstd, float w, float b) {
        float scale = rstd * w;
        int i = off, vEnd = off + S.loopBound(n), end = off + n;
        for (; i < vEnd; i += S.length())
            FloatVector.fromArray(S, x, i).sub(mean).sub(meanLo).mul(scale).add(b).intoArray(out, i);
        for (; i < end; i++) out[i] = (x[i] - mean - meanLo) * scale + b;
    }

    /**
     * Mean of x[off, off + n), summed relative to x[off]: with values 1000 ± 2 the float block
     * sums then carry the ±2, not the 1000 (whose rounding would swamp them).
     */
    static double mean(float[] x, int off, int n) {
        float shift = x[off];
        double total = 0;
        int i = off, end = off + n;
        while (end - i >= BLOCK) {
            FloatVector acc = FloatVector.zero(S);
            for (int blockEnd = i + BLOCK; i < blockEnd; i += S.length()) acc = acc.add(FloatVector.fromArray(S, x, i).sub(shift));
            total += Lanes.sum(acc);
        }
        for (; i < end; i++) total += x[i] - shift;
        return shift + total / n;
    }

    /** Σ (x - mean)² over [off, off + n). */
    static double sumSquaredDiff(float[] x, int off, int n, float mean) {
        double total = 0;
        int i = off, end = off + n;
        while (end - i >= BLOCK) {
            FloatVector acc = FloatVector.zero(S);
            for (int blockEnd = i + BLOCK; i < blockEnd; i += S.length()) {
                FloatVector d = FloatVector.fromArray(S, x, i).sub(mean);
                acc = d.fma(d, acc);
            }
            total += Lanes.sum(acc);
        }
        for (; i < end; i++) {
            double d = x[i] - mean;
            total += d * d;
        }
        return total;
    }

    private static void checkRows(String op, float[] x, float[] out, int rows, int dim) {
        if (rows < 0 || dim < 1 || x.length < (long) rows * dim || out.length < (long) rows * dim)
            throw new IllegalArgumentException(op + ": [" + rows + ", " + dim + "] needs " + (long) rows * dim
                    + " elements, x has " + x.length + " and out " + out.length);
    }

    private static void checkParam(String op, String name, float[] p, int n) {
        if (p != null && p.length != n)
            throw new IllegalArgumentException(op + ": " + name + " has " + p.length + " elements, expected " + n);
    }
}
