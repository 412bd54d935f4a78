package dev.jground.image;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The bit-exact case against Pillow is the clip-vision-tiny golden (VerifyTest); these are its invariants. */
class PilResizeTest {

    static RgbImage random(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }

    @Test void sameSizeIsIdentity() {
        RgbImage img = random(7, 5, 1);
        for (PilResize.Filter f : PilResize.Filter.values())
            assertArrayEquals(img.pixels(), PilResize.resize(img, 7, 5, f).pixels());
    }

    @Test void constantImageStaysConstant() {
        byte[] px = new byte[33 * 17 * 3];
        java.util.Arrays.fill(px, (byte) 200);
        RgbImage img = new RgbImage(33, 17, px);
        for (PilResize.Filter f : PilResize.Filter.values())
            for (int[] size : new int[][] {{1, 1}, {7, 3}, {100, 51}, {33, 5}}) {
                RgbImage r = PilResize.resize(img, size[0], size[1], f);
                for (byte b : r.pixels()) assertEquals(200, b & 0xFF, f + " " + size[0] + "x" + size[1]);
            }
    }

    @Test void bilinearHalvingAveragesPairs() {
        // Pillow's triangle filter at scale 2 has support 2 and taps weighted 1/8, 3/8, 3/8, 1/8
        byte[] px = new byte[4 * 1 * 3];
        int[] v = {0, 80, 160, 240};
        for (int x = 0; x < 4; x++) for (int c = 0; c < 3; c++) px[x * 3 + c] = (byte) v[x];
        RgbImage r = PilResize.resize(new RgbImage(4, 1, px), 2, 1, PilResize.Filter.BILINEAR);
        // out 0: taps x=0,1,2 with weights 3/8,3/8,1/8 renormalised over 7/8 -> (0*3 + 80*3 + 160)/7 = 57.14
        // out 1: taps x=1,2,3 with weights 1/8,3/8,3/8 -> (80 + 480 + 720)/7 = 182.86
        assertEquals(57, r.get(0, 0, 0));
        assertEquals(183, r.get(1, 0, 2));
    }

    @Test void resizeRejectsEmptySizes() {
        assertThrows(IllegalArgumentException.class, () -> PilResize.resize(random(3, 3, 2), 0, 3, PilResize.Filter.BICUBIC));
    }
}
