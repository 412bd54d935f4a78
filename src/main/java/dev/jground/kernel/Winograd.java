package dev.jground.kernel;

import dev.jground.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * A 3×3 convolution of stride 1 by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2015): each 2×2 block of outputs is
 * Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A over the 4×4 input tile d, so a tile costs 16 multiplies per
 * input channel where the direct form costs 36. Summed over channels, the 16 element-wise
 * products become 16 matrix products U_ξ [O, C] · V_ξ [C, tiles], one per tile position ξ,
 * which {@link Matmul#matmulColumns} does at its full rate: 2.25× fewer multiply-adds than the
 * unfolded GEMM of {@link Conv2d}, and a transformed input (16 floats per tile and channel,
 * 4 per input pixel) smaller than the unfolded one (9 per pixel). The transforms' constants
 * are 0, ±1 and ±½ (multiplying by them is exact in float), so the rounding is that of sums
 * of a few more terms than the direct form's; the test bounds it against the direct
 * convolution in double. Tiles are taken in bands of rows to bound the buffers.
 */
public final class Winograd {
    private Winograd() {}

    /**
     * Floats per band buffer (32 MB each for V and M): 21 rows of tiles of the VAE's 384×384 level.
     * Smaller bands cost more than they save in cache (the SD-1.5 VAE encoder at 384², 2 threads,
     * heap in huge pages: 2.75 s with 8 Mi floats, 2.9-3.1 with 4, 6.0 with 1, 8.4 with ¼; 32 and 64
     * Mi: 3.1-3.7).
     */
    private static final int BAND_FLOATS = 8 << 20;

    /**
     * From this many 2×2 tiles on (SD's 12×12 level has 36) the 16 smaller products win, by 1.4× at 36
     * tiles and 2× from 144 (CPU time, one thread, 640-2560 channels); at 9 (6×6) reading U_ξ, 16/9 the
     * weight's size, would cost more than the multiply-adds it saves.
     */
    public static final int MIN_TILES = 36;

    /** The 16 transformed filters U_ξ [O, C] of one 3×3 convolution, made once per weight ({@link #filters}). */
    public record Filters(int outputs, int channels, WeightMatrix[] u) {}

    /** Whether a convolution is one this kernel does, and is worth doing here. */
    public static boolean suits(int kernelH, int kernelW, int stride, int outH, int outW) {
        return kernelH == 3 && kernelW == 3 && stride == 1 && (long) ((outH + 1) / 2) * ((outW + 1) / 2) >= MIN_TILES;
    }

    /** x [C, H, W], filters of weight [O, C, 3, 3], bias [O] or null, out [O, H', W'] with H' = H + 2·padding - 2. */
    public static void conv3x3(float[] x, int height, int width, Filters f, float[] bias, int padding, float[] out, Parallel par) {
        conv3x3(x, height, width, f, bias, padding, out, par, BAND_FLOATS);
    }

    /** As above with the band size given (tests use small bands to cover the seams). */
    static void conv3x3(float[] x, int height, int width, Filters f, float[] bias, int padding, float[] out, Parallel par, int bandFloats) {
        int o = f.outputs(), channels = f.channels(), outH = Conv2d.outSize(height, 3, 1, padding), outW = Conv2d.outSize(width, 3, 1, padding);
        if (bias != null && bias.length != o)
            throw new IllegalArgumentException("winograd conv: bias has " + bias.length + " elements, weight has " + o + " output channels");
        if (x.length < (long) channels * height * width || out.length < (long) o * outH * outW)
            throw new IllegalArgumentException("winograd conv: x has " + x.length + " elements for [" + channels + ", " + height + ", " + width
                    + "], out " + out.length + " for [" + o + ", " + outH + ", " + outW + "]");
        int tilesW = (outW + 1) / 2, tilesH = (outH + 1) / 2;
        // a band is whole rows of tiles, so each output row is written by one band
        int rows = Math.max(1, Math.min(tilesH, bandFloats / (16 * Math.max(channels, o) * tilesW)));
        int bandTiles = rows * tilesW;
        float[][] v = new float[16][channels * bandTiles], m = new float[16][o * bandTiles];
        Geometry g = new Geometry(channels, height, width, padding, tilesW, outH, outW);
        for (int ty0 = 0; ty0 < tilesH; ty0 += rows) {
            int firstRow = ty0, n = Math.min(rows, tilesH - ty0) * tilesW;
            par.forChunks(channels, Math.max(1, Activations.GRAIN / (16 * n)), (c0, c1) -> {
                for (int c = c0; c < c1; c++) transformInput(x, g, c, firstRow, n, v);
            });
            for (int xi = 0; xi < 16; xi++) Matmul.matmulColumns(v[xi], n, f.u()[xi], null, m[xi], par);
            par.forChunks(o, Math.max(1, Activations.GRAIN / (16 * n)), (o0, o1) -> {
                for (int oc = o0; oc < o1; oc++) transformOutput(m, g, oc, firstRow, n, bias == null ? 0f : bias[oc], out);
            });
        }
    }

    private record Geometry(int channels, int height, int width, int padding, int tilesW, int outH, int outW) {}

    /**
     * U_ξ [O, C] = (G g Gᵀ)_ξ for each 3×3 kernel g = weight[o, c·9 .. c·9 + 9), G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]:
     * 16/9 of the weight's floats, kept by the caller for as long as the weight.
     */
    public static Filters filters(WeightMatrix weight, int channels, Parallel par) {
        if (weight.cols() != channels * 9)
            throw new IllegalArgumentException("winograd conv: weight is [" + weight.rows() + ", " + weight.cols() + "], " + channels
                    + " channels need " + channels * 9 + " columns");
        int o = weight.rows();
        float[][] u = new float[16][o * channels];
        par.forChunks(o, Math.max(1, Activations.GRAIN / (16 * channels)), (o0, o1) -> {
            float[] g = new float[9 * channels], t = new float[12];
            for (int oc = o0; oc < o1; oc++) {
                Convert.toF32(weight.dtype(), weight.data(), (long) oc * 9 * channels * weight.dtype().byteSize(), g, 0, 9 * channels);
                for (int c = 0; c < channels; c++) {
                    int k = 9 * c;
                    for (int s = 0; s < 3; s++) {   // t = G g, 4 × 3
                        float g0 = g[k + s], g1 = g[k + 3 + s], g2 = g[k + 6 + s];
                        t[s] = g0; t[3 + s] = 0.5f * (g0 + g1 + g2); t[6 + s] = 0.5f * (g0 - g1 + g2); t[9 + s] = g2;
                    }
                    for (int r = 0; r < 4; r++) {   // U = t Gᵀ, 4 × 4
                        float t0 = t[3 * r], t1 = t[3 * r + 1], t2 = t[3 * r + 2];
                        int at = oc * channels + c;
                        u[4 * r][at] = t0;
                        u[4 * r + 1][at] = 0.5f * (t0 + t1 + t2);
                        u[4 * r + 2][at] = 0.5f * (t0 - t1 + t2);
                        u[4 * r + 3][at] = t2;
                    }
                }
            }
        });
        WeightMatrix[] out = new WeightMatrix[16];
        for (int xi = 0; xi < 16; xi++) out[xi] = new WeightMatrix(DType.F32, o, channels, MemorySegment.ofArray(u[xi]));
        return new Filters(o, channels, out);
    }

    /**
     * V_ξ[c, t] = (Bᵀ d B)_ξ for the band's tiles t of channel c, d the 4×4 input from (2·ty - p, 2·tx - p),
     * zero outside the map; Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. A row of tiles at a time: its four
     * input rows, zero-padded, are split into even and odd columns (tile tx starts at even column 2·tx), so
     * both transforms are loops along the row over contiguous arrays, which C2 vectorises.
     */
    private static void transformInput(float[] x, Geometry g, int c, int firstRow, int n, float[][] v) {
        int tw = g.tilesW, plane = c * g.height * g.width;
        float[][] even = new float[4][tw + 1], odd = new float[4][tw + 1];   // columns 2t and 2t + 1 of each padded row
        float[][] e = new float[4][tw + 1], o = new float[4][tw + 1];        // the same of Bᵀ d's rows
        for (int r = 0; r < n / tw; r++) {
            int y0 = 2 * (firstRow + r) - g.padding;
            for (int i = 0; i < 4; i++) {
                int iy = y0 + i;
                if (iy < 0 || iy >= g.height) {
                    java.util.Arrays.fill(even[i], 0f);
                    java.util.Arrays.fill(odd[i], 0f);
                } else {   // padded column j is input column j - padding
                    deinterleave(x, plane + iy * g.width, g.width, -g.padding, even[i]);
                    deinterleave(x, plane + iy * g.width, g.width, 1 - g.padding, odd[i]);
                }
            }
            rowsOfBtD(even, e, tw + 1);
            rowsOfBtD(odd, o, tw + 1);
            int at = c * n + r * tw;
            for (int i = 0; i < 4; i++) {   // (Bᵀ d) B along the row: tile t's columns are e[t], o[t], e[t + 1], o[t + 1]
                float[] ei = e[i], oi = o[i], v0 = v[4 * i], v1 = v[4 * i + 1], v2 = v[4 * i + 2], v3 = v[4 * i + 3];
                for (int t = 0; t < tw; t++) {
                    v0[at + t] = ei[t] - ei[t + 1];
                    v1[at + t] = oi[t] + ei[t + 1];
                    v2[at + t] = ei[t + 1] - oi[t];
                    v3[at + t] = oi[t] - oi[t + 1];
                }
            }
        }
    }

    /** dst[k] = row[2k + shift], zero where that column is outside [0, width). */
    private static void deinterleave(float[] x, int row, int width, int shift, float[] dst) {
        int lo = Math.min(dst.length, Math.max(0, (1 - shift) / 2)), hi = Math.max(lo, Math.min(dst.length, Math.floorDiv(width - 1 - shift, 2) + 1));
        java.util.Arrays.fill(dst, 0, lo, 0f);
        for (int k = lo; k < hi; k++) dst[k] = x[row + 2 * k + shift];
        java.util.Arrays.fill(dst, hi, dst.length, 0f);
    }

    /** out = Bᵀ d by rows: d0 - d2, d1 + d2, d2 - d1, d1 - d3, each over len columns. */
    private static void rowsOfBtD(float[][] d, float[][] out, int len) {
        float[] d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], r0 = out[0], r1 = out[1], r2 = out[2], r3 = out[3];
        for (int k = 0; k < len; k++) {
            r0[k] = d0[k] - d2[k];
            r1[k] = d1[k] + d2[k];
            r2[k] = d2[k] - d1[k];
            r3[k] = d1[k] - d3[k];
        }
    }

    /**
     * Each tile's 2×2 outputs of channel oc: Aᵀ M A + bias, Aᵀ = [1 1 1 0; 0 1 -1 -1], cut at the map's
     * edge; a row of tiles at a time, along the row as in {@link #transformInput}.
     */
    private static void transformOutput(float[][] m, Geometry g, int oc, int firstRow, int n, float bias, float[] out) {
        int tw = g.tilesW, plane = oc * g.outH * g.outW;
        float[][] r = new float[8][tw];   // Aᵀ M: row i, column j at r[4i + j]
        float[] left = new float[tw], right = new float[tw];
        for (int row = 0; row < n / tw; row++) {
            int at = oc * n + row * tw;
            for (int j = 0; j < 4; j++) {
                float[] m0 = m[j], m1 = m[4 + j], m2 = m[8 + j], m3 = m[12 + j], r0 = r[j], r1 = r[4 + j];
                for (int t = 0; t < tw; t++) {
                    r0[t] = m0[at + t] + m1[at + t] + m2[at + t];
                    r1[t] = m1[at + t] - m2[at + t] - m3[at + t];
                }
            }
            int y = 2 * (firstRow + row);
            for (int i = 0; i < 2 && y + i < g.outH; i++) {
                float[] a0 = r[4 * i], a1 = r[4 * i + 1], a2 = r[4 * i + 2], a3 = r[4 * i + 3];
                for (int t = 0; t < tw; t++) {
                    left[t] = a0[t] + a1[t] + a2[t] + bias;
                    right[t] = a1[t] - a2[t] - a3[t] + bias;
                }
                int o = plane + (y + i) * g.outW, whole = g.outW / 2;   // tiles with both columns inside
                for (int t = 0; t < whole; t++) {
                    out[o + 2 * t] = left[t];
                    out[o + 2 * t + 1] = right[t];
                }
                if (whole < tw) out[o + 2 * whole] = left[whole];
            }
        }
    }
}
