package dev.jground.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Polygons and boxes drawn as pycocotools draws them, masks merged, IoU, point tests. */
class RleShapesTest {

    /** A mask from rows of '#' (set) and '.' (clear). */
    static byte[] drawn(String... rows) {
        int h = rows.length, w = rows[0].length();
        byte[] m = new byte[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) m[y * w + x] = (byte) (rows[y].charAt(x) == '#' ? 1 : 0);
        return m;
    }

    static Rle rle(String... rows) { return Rle.encode(drawn(rows), rows.length, rows[0].length()); }

    /*
     * rleFrPoly keeps pixel (c, r) when its centre (c + .5, r + .5) lies inside the polygon, up to
     * the 1/5-pixel grid it walks the edges on. Each polygon below keeps every pixel centre at
     * least 0.1 pixel from its edges, so the centre rule decides every pixel by hand:
     *
     * square (0,0) (2,0) (2,2) (0,2): centres x, y in {.5, 1.5} are inside, 2.5 is not.
     * triangle (0,0) (4.5,0) (0,4.5): x + y < 4.5, i.e. c + r + 1 < 4.5, so c + r <= 3.
     * rectangle (-2,-2) (3,-2) (3,1.6) (-2,1.6), partly outside the image: x < 3 keeps columns
     * 0..2, y < 1.6 keeps rows 0 and 1 (centre 1.5), the parts outside are cut off.
     */
    @Test void drawsPolygonsByPixelCentres() {
        assertEquals(rle("##..", "##..", "....", "...."), Rle.frPoly(new double[] {0, 0, 2, 0, 2, 2, 0, 2}, 4, 4));
        assertEquals(rle("####.", "###..", "##...", "#....", "....."), Rle.frPoly(new double[] {0, 0, 4.5, 0, 0, 4.5}, 5, 5));
        assertEquals(rle("###.", "###.", "....", "...."), Rle.frPoly(new double[] {-2, -2, 3, -2, 3, 1.6, -2, 1.6}, 4, 4));
        // the same polygon walked the other way round draws the same pixels
        assertEquals(rle("####.", "###..", "##...", "#....", "....."), Rle.frPoly(new double[] {0, 4.5, 4.5, 0, 0, 0}, 5, 5));
    }

    /**
     * pycocotools' own output, as the pytorchcocotools tests pin it against pycocotools
     * (tests/mask/test_frPyObjects.py, case_poly_list and case_bbox_tensor, 25 x 25).
     */
    @Test void drawsAsPycocotools() {
        assertEquals("T8:?00000000001O00000:F`2",
                Rle.frPoly(new double[] {10, 10, 20, 10, 20, 20, 21, 21, 10, 20}, 25, 25).toString());
        assertEquals("T8:?00000000000000000c3", Rle.frBbox(new double[] {10, 10, 10, 10}, 25, 25).toString());
        // a box drawn is the box's pixels: columns and rows 10..19
        byte[] m = new byte[25 * 25];
        for (int y = 10; y < 20; y++) for (int x = 10; x < 20; x++) m[y * 25 + x] = 1;
        assertEquals(Rle.encode(m, 25, 25), Rle.frBbox(new double[] {10, 10, 10, 10}, 25, 25));
    }

    @Test void mergesUnionAndIntersection() {
        Rle a = rle("##..", "##..", "....", "...."), b = rle("....", ".##.", ".##.", "....");
        assertEquals(rle("##..", "###.", ".##.", "...."), Rle.merge(List.of(a, b), false));
        assertEquals(rle("....", ".#..", "....", "...."), Rle.merge(List.of(a, b), true));
        Rle c = rle("...#", "....", "....", "...#");
        assertEquals(rle("##.#", "###.", ".##.", "...#"), Rle.merge(List.of(a, b, c), false));
        assertEquals(a, Rle.merge(List.of(a), false));
        // random masks against the pixelwise OR and AND
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int h = 1 + r.nextInt(9), w = 1 + r.nextInt(9);
            byte[] x = new byte[h * w], y = new byte[h * w], or = new byte[h * w], and = new byte[h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = (byte) (r.nextInt(3) == 0 ? 1 : 0);
                y[i] = (byte) (r.nextInt(3) == 0 ? 1 : 0);
                or[i] = (byte) (x[i] | y[i]);
                and[i] = (byte) (x[i] & y[i]);
            }
            List<Rle> both = List.of(Rle.encode(x, h, w), Rle.encode(y, h, w));
            assertEquals(Rle.encode(or, h, w), Rle.merge(both, false));
            assertEquals(Rle.encode(and, h, w), Rle.merge(both, true));
        }
        assertThrows(IllegalArgumentException.class, () -> Rle.merge(List.of(a, rle("##", "##")), false));
    }

    @Test void iouCountsSharedPixels() {
        Rle a = rle("##..", "##..", "....", "...."), b = rle("....", ".##.", ".##.", "....");
        assertEquals(1.0 / 7, Rle.iou(a, b, false));          // 1 shared of 4 + 4 - 1
        assertEquals(1.0 / 4, Rle.iou(a, b, true));           // against a crowd: over the detection's 4
        assertEquals(1.0, Rle.iou(a, a, false));
        assertEquals(0.0, Rle.iou(a, rle("....", "....", "..##", "..##"), false));
        Rle empty = rle("....", "....", "....", "....");
        assertEquals(0.0, Rle.iou(empty, a, false));
        assertEquals(0.0, Rle.iou(empty, empty, true));
        // a detection inside a crowd region scores 1 whatever the region's size
        assertEquals(1.0, Rle.iou(rle(".#..", "....", "....", "...."), a, true));
        // runs of zero length (uncompressed RLE may have them) change nothing
        assertEquals(1.0 / 7, Rle.iou(new Rle(4, 4, new int[] {0, 0, 0, 2, 2, 2, 10}), b, false));
    }

    @Test void containsReadsThePixel() {
        byte[] m = drawn("#..#.", ".##..", "....#");
        Rle r = Rle.encode(m, 3, 5);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) assertEquals(m[y * 5 + x] == 1, r.contains(x, y), x + "," + y);
        assertThrows(IllegalArgumentException.class, () -> r.contains(5, 0));
    }
}
