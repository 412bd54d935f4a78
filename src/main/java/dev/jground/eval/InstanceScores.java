package dev.jground.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The instance-segmentation figures of the paper's Table 1 (aas-spec §4.1, A.3) for one set of
 * prompt points: each point was matched to a category of its image's ground truth and SAM drew a
 * mask there. All fractions are in [0, 1].
 *
 * @param points       prompt points scored (kept phrases, or random points)
 * @param pacc         point accuracy: the share of points inside some annotation of their
 *                     category in their image (the union of its masks, crowds included, as
 *                     eval_instance_seg.py ORs them); 0 when there are no points
 * @param miou         mean over points of the best IoU of the point's mask with an annotation of
 *                     its category in its image (plain IoU, crowds too); 0 when there are no points
 * @param coco         COCOeval segm over the points' non-empty masks, scored by SAM's predicted IoU
 *                     (instance_seg.py writes no detection for an empty mask)
 * @param objectsNamed the share of (non-crowd) annotated objects that a point names: per image and
 *                     category, min(points of the category, its objects), summed, over all objects
 */
public record InstanceScores(int points, double pacc, double miou, CocoEval.Summary coco, double objectsNamed) {

    /** A point SAM was prompted with, the category it stands for, and what SAM answered. */
    public record Prompt(long imageId, int categoryId, int x, int y, double score, Rle mask) {}

    /**
     * Where one prompt landed, against the annotations of its image: inside one of its own
     * category (what PAcc counts), its mask's best IoU with one of them (what mIoU averages), and
     * the categories of all the annotations under the point, in category order (a miss on
     * another object, or on none).
     */
    public record Outcome(boolean inside, double iou, List<Integer> under) {}

    /** The outcome of prompt p among its image's annotations. */
    public static Outcome outcome(Prompt p, List<CocoDataset.Annotation> imageAnnotations) {
        boolean hit = false;
        double best = 0;
        Set<Integer> under = new java.util.TreeSet<>();
        for (CocoDataset.Annotation a : imageAnnotations) {
            boolean contains = a.mask().contains(p.x(), p.y());
            if (contains) under.add(a.categoryId());
            if (a.categoryId() != p.categoryId()) continue;
            hit |= contains;
            best = Math.max(best, Rle.iou(p.mask(), a.mask(), false));
        }
        return new Outcome(hit, best, List.copyOf(under));
    }

    /** Scores the prompts over the given images of the dataset (the images evaluated). */
    public static InstanceScores of(CocoDataset gt, long[] imageIds, List<Prompt> prompts) {
        Set<Long> images = new HashSet<>();
        for (long id : imageIds) images.add(id);
        Map<List<Long>, List<CocoDataset.Annotation>> byKey = new HashMap<>();
        Map<Long, List<CocoDataset.Annotation>> byImage = gt.byImage();
        List<CocoDataset.Annotation> annotations = new ArrayList<>();
        for (CocoDataset.Annotation a : gt.annotations()) {
            if (!images.contains(a.imageId())) continue;
            annotations.add(a);
            byKey.computeIfAbsent(List.of(a.imageId(), (long) a.categoryId()), k -> new ArrayList<>()).add(a);
        }
        int inside = 0;
        double iouSum = 0;
        Map<List<Long>, Integer> named = new HashMap<>();
        List<CocoEval.Detection> detections = new ArrayList<>();
        for (Prompt p : prompts) {
            if (!images.contains(p.imageId()))
                throw new IllegalArgumentException("a prompt in image " + p.imageId() + ", which is not evaluated");
            Outcome o = outcome(p, byImage.getOrDefault(p.imageId(), List.of()));
            if (o.inside()) inside++;
            iouSum += o.iou();
            named.merge(List.of(p.imageId(), (long) p.categoryId()), 1, Integer::sum);
            if (p.mask().area() > 0) detections.add(new CocoEval.Detection(p.imageId(), p.categoryId(), p.score(), p.mask()));
        }
        long objects = 0, found = 0;
        for (Map.Entry<List<Long>, List<CocoDataset.Annotation>> e : byKey.entrySet()) {
            long n = e.getValue().stream().filter(a -> !a.crowd()).count();
            objects += n;
            found += Math.min(n, named.getOrDefault(e.getKey(), 0));
        }
        int[] categories = gt.categories().stream().mapToInt(CocoDataset.Category::id).toArray();
        CocoEval.Summary coco = CocoEval.evaluate(annotations, detections, imageIds, categories);
        int n = prompts.size();
        return new InstanceScores(n, n == 0 ? 0 : (double) inside / n, n == 0 ? 0 : iouSum / n, coco,
                objects == 0 ? 0 : (double) found / objects);
    }
}
