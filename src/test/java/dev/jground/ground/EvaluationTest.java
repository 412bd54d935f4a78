package dev.jground.ground;

import dev.jground.eval.CocoDataset;
import dev.jground.eval.InstanceScores;
import dev.jground.eval.Rle;
import dev.jground.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The metric plumbing on hand-made groundings whose points and masks give known figures. */
class EvaluationTest {
    static final int W = 10, H = 10;
    static final RgbImage IMAGE = new RgbImage(W, H, new byte[W * H * 3]);

    static byte[] block(int x0, int y0, int w, int h) {
        byte[] m = new byte[W * H];
        for (int y = y0; y < y0 + h; y++) for (int x = x0; x < x0 + w; x++) m[y * W + x] = 1;
        return m;
    }

    static CocoDataset.Annotation gt(long id, long image, int cat, byte[] mask) {
        Rle r = Rle.encode(mask, H, W);
        return new CocoDataset.Annotation(id, image, cat, r, r.area(), false);
    }

    /*
     * Image 1: two circles, A (2x2 at 0,0) and B (2x2 at 5,5), and a square C (3x3 at 0,6).
     * Image 2 has no annotations. Category 3 (triangle) is in neither image.
     */
    static final CocoDataset DATA = new CocoDataset(
            List.of(new CocoDataset.Image(1, "one.png", W, H), new CocoDataset.Image(2, "two.png", W, H)),
            List.of(new CocoDataset.Category(1, "circle", List.of("disc")), new CocoDataset.Category(2, "square", List.of()),
                    new CocoDataset.Category(3, "triangle", List.of())),
            List.of(gt(1, 1, 1, block(0, 0, 2, 2)), gt(2, 1, 1, block(5, 5, 2, 2)), gt(3, 1, 2, block(0, 6, 3, 3))));

    static Grounding.Phrase phrase(String text, String root, int x, int y, float score, byte[] mask) {
        return new Grounding.Phrase(text, 0, text.length(), root, new int[] {0}, new float[1], x, y, score, mask);
    }

    static Grounding grounding(Grounding.Phrase... phrases) {
        return new Grounding(IMAGE, "q", "answer", new int[] {1}, 1, List.of(phrases));
    }

    /*
     * Official reading: "a red circle" points into A and its mask is A; "two discs" (synonym)
     * points at (9,9), in no circle, with B's mask; "a triangle" names a category absent from
     * the image and "the background" none: both dropped; "the square" points into C but SAM's
     * mask is empty.
     *   kept 3; PAcc 2/3 (the discs' point misses); mIoU (1 + 1 + 0)/3 = 2/3;
     *   objects named: circles min(2, 2) + squares min(1, 1) = 3 of 3 = 1;
     *   AP: circles found at IoU 1 in score order -> 1; the square's empty mask is no detection,
     *       so the square category's one object is never found -> 0; triangle has no objects
     *       (-1, left out): AP = AR = (1 + 0)/2 = .5.
     * All-heads raw offset 1 reading: only "a red circle", pointing at (3,3) with a mask of
     * 2x2 at (1,1): IoU with A = 1/7; PAcc 0; objects named 1/3; AP: IoU 1/7 < .5 everywhere: 0.
     */
    @Test void scoresKnownGroundings() {
        Evaluation e = new Evaluation(DATA, 1);
        Grounding official = grounding(
                phrase("a red circle", "circle", 0, 0, .9f, block(0, 0, 2, 2)),
                phrase("two discs", "discs", 9, 9, .8f, block(5, 5, 2, 2)),
                phrase("a triangle", "triangle", 3, 3, .95f, block(3, 3, 1, 1)),
                phrase("the background", "background", 4, 4, .95f, block(4, 4, 1, 1)),
                phrase("the square", "square", 1, 7, .7f, new byte[W * H]));
        Evaluation.Variant allRaw1 = new Evaluation.Variant(Grounder.Heads.ALL, false, 1);
        Grounding all = grounding(phrase("a red circle", "circle", 3, 3, .6f, block(1, 1, 2, 2)));
        Evaluation.Variant chosen = Evaluation.Variant.of(Grounder.Options.DEFAULT);
        assertEquals(new Evaluation.Variant(Grounder.Heads.OFFICIAL, true, 0), chosen);

        // random points: the square's at (1, 6) in C, the circles' at (9, 0) in neither
        List<InstanceScores.Prompt> random = List.of(
                new InstanceScores.Prompt(1, 1, 9, 0, .5, Rle.encode(block(8, 0, 2, 2), H, W)),
                new InstanceScores.Prompt(1, 2, 1, 6, .5, Rle.encode(block(0, 6, 3, 3), H, W)));
        Evaluation.ImageResult r = e.add(DATA.image(1), Map.of(chosen, official, allRaw1, all), random);
        e.add(DATA.image(2), Map.of(), List.of());

        assertEquals(List.of(1, 1, -1, -1, 2), r.phrases().stream().map(Evaluation.Match::category).toList());
        assertEquals(3, r.kept().get(chosen).size());
        assertArrayEquals(new long[] {1, 2}, e.imageIds());

        InstanceScores s = e.scores().get(chosen);
        assertEquals(3, s.points());
        assertEquals(2 / 3.0, s.pacc(), 1e-12);
        assertEquals(2 / 3.0, s.miou(), 1e-12);
        assertEquals(1.0, s.objectsNamed(), 1e-12);
        assertEquals(.5, s.coco().ap(), 1e-12);
        assertEquals(.5, s.coco().ar(), 1e-12);

        InstanceScores a = e.scores().get(allRaw1);
        assertEquals(1, a.points());
        assertEquals(0.0, a.pacc());
        assertEquals(1 / 7.0, a.miou(), 1e-12);
        assertEquals(1 / 3.0, a.objectsNamed(), 1e-12);
        assertEquals(0.0, a.coco().ap());

        // a variant given no grounding keeps nothing: every figure 0, AP 0 (objects unfound)
        InstanceScores none = e.scores().get(new Evaluation.Variant(Grounder.Heads.ALL, true, 0));
        assertEquals(0, none.points());
        assertEquals(0.0, none.pacc());
        assertEquals(0.0, none.coco().ap());

        // random points: 1 of 2 inside; IoU 0 and 1; the square found (AP 1), the circles not (0)
        InstanceScores rs = e.randomScores();
        assertEquals(.5, rs.pacc(), 1e-12);
        assertEquals(.5, rs.miou(), 1e-12);
        assertEquals(.5, rs.coco().ap(), 1e-12);
        assertEquals(8, e.scores().size());
    }

    @Test void randomPointsAreSeededPerImage() {
        Evaluation a = new Evaluation(DATA, 42), b = new Evaluation(DATA, 42), c = new Evaluation(DATA, 43);
        List<int[]> p = a.randomPoints(DATA.image(1));
        assertEquals(2, p.size(), "one per category of the image");
        assertEquals(List.of(1, 2), p.stream().map(q -> q[0]).toList());
        for (int[] q : p) assertTrue(q[1] >= 0 && q[1] < W && q[2] >= 0 && q[2] < H);
        b.randomPoints(DATA.image(2));   // another image first changes nothing
        assertEquals(flat(p), flat(b.randomPoints(DATA.image(1))));
        assertNotEquals(flat(p), flat(c.randomPoints(DATA.image(1))));
        assertTrue(a.randomPoints(DATA.image(2)).isEmpty());
        // over many draws every pixel comes up: uniform over the image, not a corner
        boolean[] seen = new boolean[W * H];
        for (int seed = 0; seed < 2000; seed++)
            for (int[] q : new Evaluation(DATA, seed).randomPoints(DATA.image(1))) seen[q[2] * W + q[1]] = true;
        for (boolean s : seen) assertTrue(s);
    }

    private static List<Integer> flat(List<int[]> points) {
        List<Integer> out = new ArrayList<>();
        for (int[] q : points) for (int v : q) out.add(v);
        return out;
    }
}
