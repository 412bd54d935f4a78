package dev.jground.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class RleTest {

    /** A height x width mask with rows [r0, r1) x columns [c0, c1) set, as numpy's {@code m[r0:r1, c0:c1] = 1}. */
    private static byte[] box(int height, int width, int r0, int r1, int c0, int c1) {
        byte[] m = new byte[height * width];
        for (int y = r0; y < r1; y++) for (int x = c0; x < c1; x++) m[y * width + x] = 1;
        return m;
    }

    /** {x, y, w, h} by scanning every pixel: the definition, not the run arithmetic. */
    private static int[] bruteBbox(byte[] m, int height, int width) {
        int xs = width, ys = height, xe = -1, ye = -1;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (m[y * width + x] != 0) { xs = Math.min(xs, x); xe = Math.max(xe, x); ys = Math.min(ys, y); ye = Math.max(ye, y); }
        return xe < 0 ? new int[4] : new int[] {xs, ys, xe - xs + 1, ye - ys + 1};
    }

    /**
     * pycocotools' own output for 25x25 masks with {@code m[a:b, a:b] = 1}, as pinned in the
     * pytorchcocotools tests (tests/mask/test_encode.py: start, center, end and full area), areas
     * from tests/mask/test_area.py and boxes from tests/mask/test_to_bbox.py.
     */
    @Test void encodesAsPycocotoolsDoes() {
        String[][] cases = {{"0", "5", "05d00000000d?", "25"}, {"5", "10", "R45d00000000b;", "25"},
                {"20", "25", "X`05d00000000", "25"}, {"0", "25", "0ac0", "625"}};
        for (String[] c : cases) {
            int a = Integer.parseInt(c[0]), b = Integer.parseInt(c[1]);
            Rle rle = Rle.encode(box(25, 25, a, b, a, b), 25, 25);
            assertEquals(c[2], rle.toString(), "m[" + a + ":" + b + ", " + a + ":" + b + "]");
            assertEquals(Long.parseLong(c[3]), rle.area());
            assertArrayEquals(new int[] {a, a, b - a, b - a}, rle.toBbox());
            assertEquals(rle, Rle.fromString(c[2], 25, 25));
        }
    }

    /** Boxes pinned in pycocotools' own tests (ppwwyyxx/cocoapi tests/test_cases.py; pytorchcocotools rect_area). */
    @Test void boxesAsPycocotoolsDoes() {
        assertArrayEquals(new int[] {0, 0, 2, 2}, Rle.encode(new byte[] {0, 1, 1, 1}, 2, 2).toBbox());
        assertArrayEquals(new int[] {3, 2, 3, 2}, Rle.encode(box(10, 10, 2, 4, 3, 6), 10, 10).toBbox());
        assertArrayEquals(new int[] {10, 10, 20, 15}, Rle.encode(box(25, 35, 10, 25, 10, 30), 25, 35).toBbox());
        assertArrayEquals(new int[4], Rle.encode(new byte[12], 3, 4).toBbox());
    }

    /** Real COCO-sized strings pycocotools wrote (pytorchcocotools test_encode.py, complex_1 and complex_2, 427x640). */
    @Test void publishedStringsSurviveDecodeAndEncode() {
        for (String s : new String[] {
                "\\`_3;j<6M3E_OjCd0T<:O1O2O001O00001O00001O001O0000O1K6J5J6A^C0g<N=O001O0O2Omk^4",
                "RT_32n<<O100O0010O000010O0001O00001O000O101O0ISPc4"}) {
            Rle rle = Rle.fromString(s, 427, 640);
            byte[] mask = rle.decode();
            assertEquals(s, Rle.encode(mask, 427, 640).toString());
            long set = 0;
            for (byte b : mask) set += b;
            assertTrue(set > 0);
            assertEquals(set, rle.area());
            assertArrayEquals(bruteBbox(mask, 427, 640), rle.toBbox());
        }
    }

    /**
     * Worked on paper from maskApi.c.
     * <pre>
     * 2x3, rows "011" / "001": columns read down are 00 10 11, runs 2,1,1,2; past the third run each
     *   is stored minus the run two before (2-1 = 1), all below 16 so one character each, '0'+n: "2111".
     * 10x3, runs 0,5,20,3,2 (rows 0-4 of column 0; rows 5-7 of column 2):
     *   0 -> '0'; 5 -> '5';
     *   20 = 0b10100: low group 20 has the 0x10 bit set, so a group must follow even though 20>>5 = 0
     *      (else it would read as negative): 20|0x20 = 52 -> 'd', then 0 -> '0';
     *   3-5 = -2: low group 30, -2>>5 = -1 and 30 has the sign bit, so it ends: 30+48 = 'N';
     *   2-20 = -18: low group 14 (no sign bit, more) -> 14|0x20 = 46 -> '^'; then -1: group 31 -> 'O'.
     *   "05d0N^O"; box x 0..2, y 0..7; area 8.
     * 1x1: "1" (one zero) and "01" (no zeros, one one).
     * </pre>
     */
    @Test void handWorkedCases() {
        Rle a = Rle.encode(new byte[] {0, 1, 1, 0, 0, 1}, 2, 3);
        assertArrayEquals(new int[] {2, 1, 1, 2}, a.counts());
        assertEquals("2111", a.toString());
        assertArrayEquals(new int[] {1, 0, 2, 2}, a.toBbox());
        assertEquals(3, a.area());

        byte[] m = new byte[30];
        for (int y = 0; y < 5; y++) m[y * 3] = 1;
        for (int y = 5; y < 8; y++) m[y * 3 + 2] = 1;
        Rle b = Rle.encode(m, 10, 3);
        assertArrayEquals(new int[] {0, 5, 20, 3, 2}, b.counts());
        assertEquals("05d0N^O", b.toString());
        assertArrayEquals(new int[] {0, 0, 3, 8}, b.toBbox());
        assertEquals(8, b.area());
        assertArrayEquals(m, Rle.fromString("05d0N^O", 10, 3).decode());

        assertEquals("1", Rle.encode(new byte[] {0}, 1, 1).toString());
        assertEquals("01", Rle.encode(new byte[] {1}, 1, 1).toString());
        assertArrayEquals(new byte[] {1}, Rle.fromString("01", 1, 1).decode());
    }

    @Test void randomMasksOfOddSizesRoundTrip() {
        Random rnd = new Random(7);
        int[][] sizes = {{1, 1}, {7, 3}, {3, 7}, {33, 17}, {1000, 3}, {3, 1000}, {257, 129}};
        for (int[] hw : sizes)
            for (double p : new double[] {0, 0.02, 0.5, 0.97, 1}) {
                int h = hw[0], w = hw[1];
                byte[] m = new byte[h * w];
                for (int i = 0; i < m.length; i++) m[i] = (byte) (rnd.nextDouble() < p ? 1 : 0);
                // blobs as well as salt and pepper: long runs make multi-character values
                if (p == 0.5) m = box(h, w, h / 4, h - h / 4, w / 3, w - w / 5);
                String where = h + "x" + w + " p=" + p;
                Rle rle = Rle.encode(m, h, w);
                assertArrayEquals(m, rle.decode(), where);
                Rle back = Rle.fromString(rle.toString(), h, w);
                assertEquals(rle, back, where);
                long set = 0;
                for (byte v : m) set += v;
                assertEquals(set, back.area(), where);
                assertArrayEquals(bruteBbox(m, h, w), back.toBbox(), where);
            }
    }

    @Test void badInputIsRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> Rle.encode(new byte[5], 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("0ac0", 25, 24));
        assertTrue(e.getMessage().contains("625"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rle.fromString("0a", 25, 25));      // ends inside a value
        assertThrows(IllegalArgumentException.class, () -> Rle.fromString("0 c0", 25, 25));    // ' ' is below '0'
        assertThrows(IllegalArgumentException.class, () -> new Rle(2, 2, new int[] {5, -1}));
    }
}
