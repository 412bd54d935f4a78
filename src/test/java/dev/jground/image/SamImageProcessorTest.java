package dev.jground.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamImageProcessorTest {

    @Test void theLongestSideBecomesTheTargetAndTheOtherRoundsHalfUp() {
        assertArrayEquals(new int[] {170, 256}, new SamImageProcessor(256).resizedShape(300, 451));    // 170.29
        assertArrayEquals(new int[] {681, 1024}, new SamImageProcessor(1024).resizedShape(300, 451));  // 681.15
        assertArrayEquals(new int[] {3, 4}, new SamImageProcessor(4).resizedShape(5, 8));              // 2.5 -> 3, int(x + 0.5)
        assertArrayEquals(new int[] {1024, 768}, new SamImageProcessor(1024).resizedShape(2048, 1536));
    }

    @Test void normalisesThenPadsWithZeros() {
        byte[] px = new byte[8 * 5 * 3];
        for (int i = 0; i < 8 * 5; i++) { px[3 * i] = 0; px[3 * i + 1] = (byte) 255; px[3 * i + 2] = (byte) 128; }
        SamImageProcessor.Result r = new SamImageProcessor(4).preprocess(new RgbImage(8, 5, px));
        assertEquals(4, r.resized().width());
        assertEquals(3, r.resized().height());
        float[] v = r.pixelValues();
        assertEquals(3 * 16, v.length);
        // a flat image stays flat through Pillow's filter; (x - mean) / std in float32
        assertEquals((0 - 123.675f) / 58.395f, v[0]);
        assertEquals((255 - 116.28f) / 57.12f, v[16 + 2 * 4 + 3]);
        assertEquals((128 - 103.53f) / 57.375f, v[32 + 4 + 1]);
        for (int c = 0; c < 3; c++)
            for (int x = 0; x < 4; x++) assertEquals(0f, v[c * 16 + 3 * 4 + x], "bottom padding row, channel " + c);
    }

    @Test void promptCoordinatesScaleByTheResizeRatios() {
        float[] xy = new SamImageProcessor(256).applyCoords(new float[] {262.5f, 131f, 451f, 300f}, 300, 451);
        assertEquals(149.00222, xy[0], 1e-4);   // 262.5 · 256/451
        assertEquals(74.23333, xy[1], 1e-4);    // 131 · 170/300
        assertEquals(256f, xy[2]);
        assertEquals(170f, xy[3]);
    }
}
