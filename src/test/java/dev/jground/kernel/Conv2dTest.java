package dev.jground.kernel;

import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jground.kernel.TestArrays.*;
import static org.junit.jupiter.api.Assertions.*;

class Conv2dTest {

    private static final Parallel PAR = Parallel.of(2);

    @AfterAll static void close() { PAR.close(); }

    /** Direct convolution in double, the definition: out[o,y,x] = b[o] + Σ w[o,c,ky,kx]·x[c, y·s-p+ky, x·s-p+kx]. */
    static double[] conv(float[] x, int c, int h, int w, WeightMatrix wt, int kh, int kw, float[] bias, int s, int p) {
        int oh = (h + 2 * p - kh) / s + 1, ow = (w + 2 * p - kw) / s + 1, o = wt.rows();
        double[] out = new double[o * oh * ow];
        for (int oc = 0; oc < o; oc++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    double sum = bias == null ? 0 : bias[oc];
                    for (int ic = 0; ic < c; ic++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = y * s - p + ky, ix = xx * s - p + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    sum += (double) wt.get(oc, (ic * kh + ky) * kw + kx) * x[(ic * h + iy) * w + ix];
                            }
                    out[(oc * oh + y) * ow + xx] = sum;
                }
        return out;
    }

    private static void check(int c, int h, int w, int o, int kh, int kw, int s, int p, boolean bias, DType dtype, int band, Random r) {
        String what = "C=" + c + " " + h + "×" + w + " O=" + o + " k=" + kh + "×" + kw + " s=" + s + " p=" + p + " " + dtype + " band=" + band;
        float[] x = gaussian(r, c * h * w, 1, 0);
        float[] wf = gaussian(r, o * c * kh * kw, 0.3, 0);
        WeightMatrix wt = switch (dtype) {
            case F32 -> WeightMatrix.ofF32(wf, o, c * kh * kw);
            case F16 -> { short[] b = new short[wf.length]; for (int i = 0; i < b.length; i++) b[i] = Half.f32ToF16(wf[i]); yield WeightMatrix.ofBits(DType.F16, b, o, c * kh * kw); }
            default -> throw new AssertionError();
        };
        float[] b = bias ? gaussian(r, o, 1, 0) : null;
        int oh = Conv2d.outSize(h, kh, s, p), ow = Conv2d.outSize(w, kw, s, p);
        float[] out = new float[o * oh * ow];
        Conv2d.conv2d(x, c, h, w, wt, kh, kw, b, s, p, out, PAR, band);
        // float sums of up to C·kh·kw ≈ 300 products of size ~0.3: a few 1e-7 relative to Σ|terms| ≈ 5
        assertClose(what, conv(x, c, h, w, wt, kh, kw, b, s, p), out, 1e-5, 1e-6);
    }

    @Test
    void matchesDirectConvolution() {
        Random r = new Random(41);
        int big = 1 << 22;
        check(1, 1, 1, 1, 1, 1, 1, 0, false, DType.F32, big, r);
        check(3, 7, 5, 4, 3, 3, 1, 1, true, DType.F32, big, r);      // 3×3 same padding
        check(3, 7, 5, 4, 3, 3, 2, 1, true, DType.F16, big, r);      // stride 2 (SD downsample)
        check(7, 9, 9, 5, 1, 1, 1, 0, true, DType.F32, big, r);      // 1×1 transposes only
        check(3, 33, 33, 6, 4, 4, 4, 0, true, DType.F32, big, r);    // patch embedding (CLIP/SAM style)
        check(2, 8, 6, 3, 3, 2, 1, 2, false, DType.F16, big, r);     // non-square kernel, padding > 1
        check(33, 17, 19, 7, 3, 3, 1, 1, true, DType.F32, big, r);
        check(5, 13, 11, 6, 3, 3, 1, 1, true, DType.F32, 60, r);     // bands of 1 position: every seam
        check(5, 13, 11, 6, 3, 3, 2, 0, true, DType.F32, 45 * 7, r); // bands of 7 positions
        check(4, 10, 10, 3, 1, 1, 1, 0, false, DType.F32, 4 * 9, r); // 1×1 in bands of 9
    }

    @Test
    void handExample() {
        // 1 channel 2×2, 2×2 kernel of ones, padding 1: each output sums the window's inputs
        float[] x = {1, 2, 3, 4}, out = new float[9];
        Conv2d.conv2d(x, 1, 2, 2, WeightMatrix.ofF32(new float[]{1, 1, 1, 1}, 1, 4), 2, 2, new float[]{10}, 1, 1, out, PAR);
        assertArrayEquals(new float[]{11, 13, 12, 14, 20, 16, 13, 17, 14}, out);
    }

    @Test
    void outSize() {
        assertEquals(64, Conv2d.outSize(64, 3, 1, 1));
        assertEquals(32, Conv2d.outSize(64, 3, 2, 1));
        assertEquals(24, Conv2d.outSize(336, 14, 14, 0));
        assertEquals(64, Conv2d.outSize(1024, 16, 16, 0));
    }

    @Test
    void badShapesAreRejected() {
        var w = WeightMatrix.ofF32(new float[2 * 3 * 9], 2, 27);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Conv2d.conv2d(new float[2 * 16], 2, 4, 4, w, 3, 3, null, 1, 1, new float[2 * 16], PAR));
        assertTrue(e.getMessage().contains("columns"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Conv2d.conv2d(new float[3 * 16], 3, 4, 4, w, 3, 3, new float[3], 1, 1, new float[2 * 16], PAR));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Conv2d.conv2d(new float[3 * 4], 3, 2, 2, w, 3, 3, null, 1, 0, new float[2], PAR));
        assertThrows(IllegalArgumentException.class, () -> Conv2d.conv2d(new float[3 * 16], 3, 4, 4, w, 3, 3, null, 1, 1, new float[5], PAR));
        assertThrows(IllegalArgumentException.class, () -> Conv2d.outSize(4, 3, 0, 1));
    }
}
