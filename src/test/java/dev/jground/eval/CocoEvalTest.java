package dev.jground.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * COCOeval segm on cases small enough to work out by hand. AP at one IoU threshold is the mean
 * over the 101 recall thresholds r = 0, .01, ..., 1 of the interpolated precision: the best
 * precision at any rank whose recall reaches r (0 where none does).
 */
class CocoEvalTest {
    static final double EPS = 1e-12;

    /** A width x height mask with the block [x0, x0 + w) x [y0, y0 + h) set. */
    static Rle block(int height, int width, int x0, int y0, int w, int h) {
        byte[] m = new byte[height * width];
        for (int y = y0; y < y0 + h; y++) for (int x = x0; x < x0 + w; x++) m[y * width + x] = 1;
        return Rle.encode(m, height, width);
    }

    static CocoDataset.Annotation gt(long id, long image, int cat, Rle mask, boolean crowd) {
        return new CocoDataset.Annotation(id, image, cat, mask, mask.area(), crowd);
    }

    static double[] eval(List<CocoDataset.Annotation> gt, List<CocoEval.Detection> dt, long[] images, int... cats) {
        return CocoEval.evaluate(gt, dt, images, cats).stats();
    }

    @Test void thresholdsAreNumpys() {
        // np.linspace(.5, .95, 10): the ninth is 0.8999999999999999, .75 is exact (summarize finds it)
        assertEquals(0.8999999999999999, CocoEval.IOU_THRS[8]);
        assertEquals(0.75, CocoEval.IOU_THRS[5]);
        assertEquals(0.95, CocoEval.IOU_THRS[9]);
        assertEquals(0.5, CocoEval.REC_THRS[50]);
        assertEquals(101, CocoEval.REC_THRS.length);
    }

    /*
     * Case 1, one 10x10 image, one category, two 2x2 objects A (at 0,0) and B (at 5,5), area 4
     * (small). Detections in list order: d1 a 2x2 block on neither (score .9), d2 = A (.9, tied
     * with d1), d3 = B (.8). The stable sort keeps d1 before d2, so at every IoU threshold the
     * ranks read FP, TP, TP:
     *   tp 0 1 2, fp 1 1 1, recall 0 .5 1, precision 0 1/2 2/3 -> interpolated 2/3 2/3 2/3;
     *   every recall threshold reaches precision 2/3: AP = 2/3 (all, .5, .75, small).
     * (Had d2 come first: 1, 2/3, 2/3 -> AP = (51 + 50 * 2/3) / 101 = 253/303.)
     * AR@1 takes the image's first detection, d1, a miss: 0; AR@10 = AR@100 = 1.
     * Medium and large: both objects are outside the range and ignored, no category counts: -1.
     */
    @Test void tiedScoresKeepTheirOrder() {
        Rle a = block(10, 10, 0, 0, 2, 2), b = block(10, 10, 5, 5, 2, 2);
        List<CocoDataset.Annotation> gt = List.of(gt(1, 1, 1, a, false), gt(2, 1, 1, b, false));
        List<CocoEval.Detection> dt = List.of(new CocoEval.Detection(1, 1, .9, block(10, 10, 8, 0, 2, 2)),
                new CocoEval.Detection(1, 1, .9, a), new CocoEval.Detection(1, 1, .8, b));
        double[] s = eval(gt, dt, new long[] {1}, 1);
        double[] want = {2 / 3.0, 2 / 3.0, 2 / 3.0, 2 / 3.0, -1, -1, 0, 1, 1, 1, -1, -1};
        assertArrayEquals(want, s, EPS);
        // the same detections with the tie the other way round
        double[] swapped = eval(gt, List.of(dt.get(1), dt.get(0), dt.get(2)), new long[] {1}, 1);
        assertEquals(253 / 303.0, swapped[0], EPS);
        assertEquals(0.5, swapped[6], EPS);
    }

    /*
     * Case 2, one 20x20 image, one category: G, a 5x5 object (area 25) at (0,0), and a crowd
     * region C covering columns 10..19 (area 200). Detections:
     *   e1 (.9): G less 6 pixels, 19 pixels inside G: IoU 19/25 = .76;
     *   e2 (.8): a 3x3 block inside C: against a crowd the union is the detection, IoU 1, so it
     *            matches C at every threshold and is ignored (neither TP nor FP);
     *   e3 (.7): a 2x2 block half in C (columns 9..10): crowd IoU 2/4 = .5, exactly the first
     *            threshold, so it is ignored at .5 and a FP above it.
     * t = .5:            e1 TP, e2 and e3 ignored: precision 1 up to recall 1 -> AP 1, recall 1
     * t = .55 ... .75:   e1 TP, e3 FP after it: precision 1 at recall 1 -> AP 1, recall 1
     * t = .8 ... .95:    e1 below the threshold: FP; nothing matches -> AP 0, recall 0
     * AP = 6/10 = .6; AP50 = AP75 = 1; AR@1 = AR@10 = AR@100 = 6/10 (e1 is first); small as all.
     */
    @Test void crowdRegionsAbsorbDetections() {
        Rle g = block(20, 20, 0, 0, 5, 5), crowd = block(20, 20, 10, 0, 10, 20);
        byte[] e1 = g.decode();
        for (int i : new int[] {0, 1, 2, 20, 21, 40}) e1[i] = 0;   // six pixels of G's first rows off
        List<CocoDataset.Annotation> gt = List.of(gt(1, 5, 3, g, false), gt(2, 5, 3, crowd, true));
        List<CocoEval.Detection> dt = List.of(new CocoEval.Detection(5, 3, .9, Rle.encode(e1, 20, 20)),
                new CocoEval.Detection(5, 3, .8, block(20, 20, 12, 2, 3, 3)),
                new CocoEval.Detection(5, 3, .7, block(20, 20, 9, 10, 2, 2)));
        assertEquals(.76, Rle.iou(dt.getFirst().mask(), g, false), EPS);
        double[] s = eval(gt, dt, new long[] {5}, 3);
        assertArrayEquals(new double[] {.6, 1, 1, .6, -1, -1, .6, .6, .6, .6, -1, -1}, s, EPS);
    }

    /*
     * Case 3, images 1 and 2 (10x10), categories 1 and 2. Category 1 has P in image 1 and Q in
     * image 2 (2x2 each); category 2 has no annotation at all. Detections, listed image 2 first:
     *   f1 = Q in image 2 (.5), f2 a miss in image 1 (.5), f3 in image 1, category 2 (.9).
     * accumulate concatenates the images in id order, then sorts stably: f2 (FP) before f1 (TP):
     *   precision 0, 1/2 at recall 0, 1/2 -> interpolated 1/2, 1/2; recall thresholds 0 ... .5
     *   (51 of them) get 1/2, the rest 0: AP = 25.5/101 = 51/202; recall 1/2.
     * Category 2 has nothing to find and stays out of the means (-1, not 0).
     * Medium/large: the objects are small, ignored: -1. An image id with no annotations at all
     * (3) changes nothing.
     */
    @Test void imagesAreConcatenatedInIdOrder() {
        Rle p = block(10, 10, 0, 0, 2, 2);
        List<CocoDataset.Annotation> gt = List.of(gt(11, 1, 1, p, false), gt(12, 2, 1, p, false));
        List<CocoEval.Detection> dt = List.of(new CocoEval.Detection(2, 1, .5, p),
                new CocoEval.Detection(1, 1, .5, block(10, 10, 6, 6, 2, 2)), new CocoEval.Detection(1, 2, .9, p));
        double[] s = eval(gt, dt, new long[] {3, 2, 1}, 2, 1);
        double ap = 51 / 202.0;
        assertArrayEquals(new double[] {ap, ap, ap, ap, -1, -1, .5, .5, .5, .5, -1, -1}, s, EPS);
        // an empty result set: every category with objects scores 0, none is -1
        assertArrayEquals(new double[] {0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1}, eval(gt, List.of(), new long[] {1, 2}, 1, 2), EPS);
        // detections of an image not evaluated are left out: only image 2 counts, f1 finds Q
        assertEquals(1.0, eval(gt, dt, new long[] {2}, 1, 2)[0], EPS);
    }
}
