package dev.jground.kernel;

import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.gaussian;
import static org.junit.jupiter.api.Assertions.*;

/** Winograd F(2×2, 3×3) against the direct convolution in double (Conv2dTest.conv), on odd sizes and band seams. */
class WinogradTest {

    private static final Parallel PAR = Parallel.of(2);

    @AfterAll static void close() { PAR.close(); }

    /** Σ |w·x| over each output's terms: the scale a float sum's rounding error is measured against. */
    private static double[] magnitudes(float[] x, int c, int h, int w, WeightMatrix wt, int p) {
        float[] ax = x.clone();
        for (int i = 0; i < ax.length; i++) ax[i] = Math.abs(ax[i]);
        float[] aw = new float[wt.rows() * wt.cols()];
        for (int i = 0; i < aw.length; i++) aw[i] = Math.abs(wt.get(i / wt.cols(), i % wt.cols()));
        return Conv2dTest.conv(ax, c, h, w, WeightMatrix.ofF32(aw, wt.rows(), wt.cols()), 3, 3, null, 1, p);
    }

    private static void check(int c, int h, int w, int o, int p, boolean bias, DType dtype, int band, Random r) {
        String what = "C=" + c + " " + h + "×" + w + " O=" + o + " p=" + p + " " + dtype + " band=" + band;
        float[] x = gaussian(r, c * h * w, 1, 0), wf = gaussian(r, o * c * 9, 0.3, 0);
        WeightMatrix wt = WeightMatrix.ofF32(wf, o, c * 9);
        if (dtype == DType.F16) {
            short[] bits = new short[wf.length];
            for (int i = 0; i < bits.length; i++) bits[i] = Half.f32ToF16(wf[i]);
            wt = WeightMatrix.ofBits(DType.F16, bits, o, c * 9);
        }
        float[] b = bias ? gaussian(r, o, 1, 0) : null;
        int oh = h + 2 * p - 2, ow = w + 2 * p - 2;
        float[] out = new float[o * oh * ow];
        Winograd.conv3x3(x, h, w, Winograd.filters(wt, c, PAR), b, p, out, PAR, band);
        double[] want = Conv2dTest.conv(x, c, h, w, wt, 3, 3, b, 1, p), scale = magnitudes(x, c, h, w, wt, p);
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(out[i] - want[i]);
            // float rounding of sums of transformed terms a few times the size of the direct ones
            if (!(err <= 1e-6 * scale[i] + 1e-6)) fail(what + ": element " + i + " is " + out[i] + ", expected " + want[i] + " (Σ|terms| " + scale[i] + ")");
        }
    }

    @Test
    void matchesDirectConvolution() {
        Random r = new Random(43);
        int big = 1 << 22;
        check(1, 1, 1, 1, 1, false, DType.F32, big, r);       // one tile, all padding but the centre
        check(1, 3, 3, 1, 0, true, DType.F32, big, r);        // one output, no padding
        check(3, 7, 5, 4, 1, true, DType.F32, big, r);        // odd sides: tiles cut at the edge
        check(7, 33, 33, 7, 1, true, DType.F16, big, r);
        check(2, 8, 6, 3, 2, false, DType.F32, big, r);       // padding 2
        check(33, 17, 19, 9, 1, true, DType.F32, big, r);
        check(1001, 5, 3, 3, 1, true, DType.F32, big, r);     // long sums over channels
        check(3, 9, 1031, 2, 1, false, DType.F32, big, r);    // a wide map, many tiles in a row
        check(5, 13, 11, 6, 1, true, DType.F32, 1, r);        // bands of one tile row: every seam
        check(5, 14, 12, 70, 1, true, DType.F32, 16 * 70 * 6 * 3, r);   // bands of 3 tile rows, more outputs than channels
    }

    @Test
    void handExample() {
        // one channel 4×4 of 1..16, the kernel's centre and right neighbour 1, padding 1: out[y, x] = x[y, x] + x[y, x + 1]
        float[] x = new float[16], k = {0, 0, 0, 0, 1, 1, 0, 0, 0}, out = new float[16];
        for (int i = 0; i < 16; i++) x[i] = i + 1;
        Winograd.conv3x3(x, 4, 4, Winograd.filters(WeightMatrix.ofF32(k, 1, 9), 1, PAR), new float[] {0.5f}, 1, out, PAR);
        assertArrayEquals(new float[] {3.5f, 5.5f, 7.5f, 4.5f, 11.5f, 13.5f, 15.5f, 8.5f, 19.5f, 21.5f, 23.5f, 12.5f, 27.5f, 29.5f, 31.5f, 16.5f}, out);
    }

    @Test
    void badShapesAreRejected() {
        var w = WeightMatrix.ofF32(new float[2 * 3 * 9], 2, 27);
        var e = assertThrows(IllegalArgumentException.class, () -> Winograd.filters(w, 2, PAR));
        assertTrue(e.getMessage().contains("columns"), e.getMessage());
        Winograd.Filters f = Winograd.filters(w, 3, PAR);
        e = assertThrows(IllegalArgumentException.class, () -> Winograd.conv3x3(new float[3 * 16], 4, 4, f, new float[3], 1, new float[32], PAR));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Winograd.conv3x3(new float[3 * 16], 4, 4, f, null, 1, new float[5], PAR));
        assertThrows(IllegalArgumentException.class, () -> Winograd.conv3x3(new float[2 * 16], 4, 4, f, null, 1, new float[32], PAR));
    }

    @Test
    void suitsLargeThreeByThreeMapsOfStrideOne() {
        assertTrue(Winograd.suits(3, 3, 1, 24, 24));     // 144 tiles: SD's 24×24 level
        assertTrue(Winograd.suits(3, 3, 1, 20, 19));     // 10 × 10 tiles
        assertTrue(Winograd.suits(3, 3, 1, 12, 11));     // 36 tiles: SD's 12×12 level
        assertFalse(Winograd.suits(3, 3, 1, 10, 12));    // 30 tiles
        assertFalse(Winograd.suits(3, 3, 2, 48, 48));    // stride 2
        assertFalse(Winograd.suits(1, 1, 1, 48, 48));
        assertFalse(Winograd.suits(3, 2, 1, 48, 48));
    }
}
