package dev.jground.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Mask AP and AR as pycocotools' {@code COCOeval(gt, dt, 'segm')} computes them with its default
 * parameters (cocoapi PythonAPI/pycocotools/cocoeval.py: evaluate, evaluateImg, accumulate,
 * summarize; aas-spec A.2). The same loops, in the same order, so that ties, crowd regions and
 * empty categories come out as there.
 */
public final class CocoEval {
    private CocoEval() {}

    /** A scored mask; its id is its place in the list given to {@link #evaluate} (loadRes numbers results 1..N). */
    public record Detection(long imageId, int categoryId, double score, Rle mask) {}

    /** np.linspace(.5, .95, 10): i * step + start, the last one exactly the end. */
    static final double[] IOU_THRS = linspace(0.5, 0.95, 10), REC_THRS = linspace(0.0, 1.0, 101);
    static final int[] MAX_DETS = {1, 10, 100};
    static final double[][] AREA_RNG = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};
    static final String[] AREA_LBL = {"all", "small", "medium", "large"};
    private static final int T = IOU_THRS.length, R = REC_THRS.length, A = AREA_RNG.length, M = MAX_DETS.length;

    /** The twelve numbers summarize() prints, in its order; -1 where nothing could be measured. */
    public record Summary(double[] stats) {
        public static final List<String> NAMES = List.of("AP", "AP50", "AP75", "AP_S", "AP_M", "AP_L",
                "AR1", "AR10", "AR", "AR_S", "AR_M", "AR_L");

        public double ap() { return stats[0]; }

        public double ar() { return stats[8]; }
    }

    /** One image and category under one area range: evaluateImg's result. */
    private record ImageResult(double[] dtScores, boolean[][] dtMatched, boolean[][] dtIgnore, boolean[] gtIgnore) {}

    /**
     * Evaluates detections against the annotations of the given images (params.imgIds) in the
     * given categories (params.catIds); annotations and detections elsewhere are left out.
     */
    public static Summary evaluate(List<CocoDataset.Annotation> annotations, List<Detection> detections,
                                   long[] imageIds, int[] categoryIds) {
        long[] imgs = Arrays.stream(imageIds).distinct().sorted().toArray();   // np.unique
        int[] cats = Arrays.stream(categoryIds).distinct().sorted().toArray();
        Map<List<Long>, List<CocoDataset.Annotation>> gts = new HashMap<>();
        for (CocoDataset.Annotation a : annotations) gts.computeIfAbsent(key(a.imageId(), a.categoryId()), k -> new ArrayList<>()).add(a);
        Map<List<Long>, List<Detection>> dts = new HashMap<>();
        for (Detection d : detections) dts.computeIfAbsent(key(d.imageId(), d.categoryId()), k -> new ArrayList<>()).add(d);

        // evalImgs[k][a][i], null where the image has neither annotations nor detections of the category
        ImageResult[][][] results = new ImageResult[cats.length][A][imgs.length];
        for (int k = 0; k < cats.length; k++)
            for (int i = 0; i < imgs.length; i++) {
                List<CocoDataset.Annotation> gt = gts.getOrDefault(key(imgs[i], cats[k]), List.of());
                List<Detection> dt = dts.getOrDefault(key(imgs[i], cats[k]), List.of());
                if (gt.isEmpty() && dt.isEmpty()) continue;
                dt = byScore(dt).stream().limit(MAX_DETS[M - 1]).map(dt::get).toList();
                double[][] ious = new double[dt.size()][gt.size()];   // computeIoU: [dt][gt], gt in file order
                for (int d = 0; d < dt.size(); d++)
                    for (int g = 0; g < gt.size(); g++) ious[d][g] = Rle.iou(dt.get(d).mask(), gt.get(g).mask(), gt.get(g).crowd());
                for (int a = 0; a < A; a++) results[k][a][i] = evaluateImage(gt, dt, ious, AREA_RNG[a]);
            }
        return summarize(accumulate(results, cats.length, imgs.length));
    }

    private static List<Long> key(long image, long category) { return List.of(image, category); }

    /** Indices in descending score, ties in their given order (np.argsort(-score, kind='mergesort')). */
    private static List<Integer> byScore(List<Detection> dt) {
        List<Integer> order = new ArrayList<>(dt.size());
        for (int i = 0; i < dt.size(); i++) order.add(i);
        // compared with < and >, not Double.compare, so that 0.0 and -0.0 tie as in numpy
        order.sort((x, y) -> descending(dt.get(x).score(), dt.get(y).score()));
        return order;
    }

    private static int descending(double x, double y) { return x > y ? -1 : x < y ? 1 : 0; }

    private static ImageResult evaluateImage(List<CocoDataset.Annotation> gtInFileOrder, List<Detection> dt,
                                             double[][] ious, double[] range) {
        // annotations outside the area range, and crowds, are ignored; ignored ones go last, stably
        List<Integer> order = new ArrayList<>();
        for (int g = 0; g < gtInFileOrder.size(); g++) order.add(g);
        order.sort(Comparator.comparingInt(g -> ignored(gtInFileOrder.get(g), range) ? 1 : 0));
        int G = order.size(), D = dt.size();
        boolean[] gtIg = new boolean[G], crowd = new boolean[G];
        for (int g = 0; g < G; g++) {
            gtIg[g] = ignored(gtInFileOrder.get(order.get(g)), range);
            crowd[g] = gtInFileOrder.get(order.get(g)).crowd();
        }
        // pycocotools keeps matched ids and tests them against 0; annotation ids are positive in COCO
        // files, so "matched" is what its non-zero test means
        boolean[][] gtm = new boolean[T][G], dtm = new boolean[T][D], dtIg = new boolean[T][D];
        for (int t = 0; t < T; t++)
            for (int d = 0; d < D; d++) {
                double iou = Math.min(IOU_THRS[t], 1 - 1e-10);
                int m = -1;
                for (int g = 0; g < G; g++) {
                    if (gtm[t][g] && !crowd[g]) continue;              // taken, and not a crowd that takes many
                    if (m > -1 && !gtIg[m] && gtIg[g]) break;           // a real match beats every ignored one
                    double v = ious[d][order.get(g)];
                    if (v < iou) continue;                               // on equal IoU the later annotation wins
                    iou = v;
                    m = g;
                }
                if (m == -1) continue;
                dtIg[t][d] = gtIg[m];
                dtm[t][d] = true;
                gtm[t][m] = true;
            }
        double[] scores = new double[D];
        for (int d = 0; d < D; d++) {
            scores[d] = dt.get(d).score();
            long area = dt.get(d).mask().area();
            boolean outside = area < range[0] || area > range[1];
            for (int t = 0; t < T; t++) dtIg[t][d] |= !dtm[t][d] && outside;   // an unmatched detection of another size
        }
        return new ImageResult(scores, dtm, dtIg, gtIg);
    }

    private static boolean ignored(CocoDataset.Annotation a, double[] range) {
        return a.crowd() || a.area() < range[0] || a.area() > range[1];
    }

    /** precision [T][R][K][A][M] and recall [T][K][A][M], -1 where a category has no annotation that counts. */
    private record Accumulated(double[][][][][] precision, double[][][][] recall) {}

    private static Accumulated accumulate(ImageResult[][][] results, int K, int I) {
        double[][][][][] precision = new double[T][R][K][A][M];
        double[][][][] recall = new double[T][K][A][M];
        for (double[][][][] p : precision) for (double[][][] q : p) for (double[][] r : q) for (double[] s : r) Arrays.fill(s, -1);
        for (double[][][] p : recall) for (double[][] q : p) for (double[] r : q) Arrays.fill(r, -1);
        for (int k = 0; k < K; k++)
            for (int a = 0; a < A; a++)
                for (int m = 0; m < M; m++) {
                    int maxDet = MAX_DETS[m];
                    List<ImageResult> e = new ArrayList<>();
                    for (int i = 0; i < I; i++) if (results[k][a][i] != null) e.add(results[k][a][i]);
                    if (e.isEmpty()) continue;
                    // every image's first maxDet detections, then all of them by score, stably
                    List<double[]> rows = new ArrayList<>();   // {score, image, detection}
                    int npig = 0;
                    for (int i = 0; i < e.size(); i++) {
                        ImageResult r = e.get(i);
                        for (int d = 0; d < Math.min(maxDet, r.dtScores.length); d++) rows.add(new double[] {r.dtScores[d], i, d});
                        for (boolean ig : r.gtIgnore) if (!ig) npig++;
                    }
                    if (npig == 0) continue;
                    rows.sort((x, y) -> descending(x[0], y[0]));
                    int nd = rows.size();
                    for (int t = 0; t < T; t++) {
                        double[] rc = new double[nd], pr = new double[nd];
                        double tp = 0, fp = 0;
                        for (int j = 0; j < nd; j++) {
                            ImageResult r = e.get((int) rows.get(j)[1]);
                            int d = (int) rows.get(j)[2];
                            if (!r.dtIgnore[t][d]) {
                                if (r.dtMatched[t][d]) tp++;
                                else fp++;
                            }
                            rc[j] = tp / npig;
                            pr[j] = tp / (fp + tp + Math.ulp(1.0));   // np.spacing(1)
                        }
                        recall[t][k][a][m] = nd > 0 ? rc[nd - 1] : 0;
                        for (int j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
                        for (int ri = 0; ri < R; ri++) {
                            int pi = searchLeft(rc, REC_THRS[ri]);
                            precision[t][ri][k][a][m] = pi < nd ? pr[pi] : 0;   // past the last recall: 0
                        }
                    }
                }
        return new Accumulated(precision, recall);
    }

    /** np.searchsorted(sorted, v, side='left'): the first index whose value is >= v. */
    private static int searchLeft(double[] sorted, double v) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static Summary summarize(Accumulated acc) {
        double[] s = new double[12];
        s[0] = mean(acc, true, null, "all", 100);
        s[1] = mean(acc, true, .5, "all", 100);
        s[2] = mean(acc, true, .75, "all", 100);
        s[3] = mean(acc, true, null, "small", 100);
        s[4] = mean(acc, true, null, "medium", 100);
        s[5] = mean(acc, true, null, "large", 100);
        s[6] = mean(acc, false, null, "all", 1);
        s[7] = mean(acc, false, null, "all", 10);
        s[8] = mean(acc, false, null, "all", 100);
        s[9] = mean(acc, false, null, "small", 100);
        s[10] = mean(acc, false, null, "medium", 100);
        s[11] = mean(acc, false, null, "large", 100);
        return new Summary(s);
    }

    /** _summarize: the mean of the entries above -1 in the slice, -1 if there are none. */
    private static double mean(Accumulated acc, boolean ap, Double iouThr, String area, int maxDets) {
        int a = List.of(AREA_LBL).indexOf(area), m = Arrays.stream(MAX_DETS).boxed().toList().indexOf(maxDets);
        double sum = 0;
        long n = 0;
        for (int t = 0; t < T; t++) {
            if (iouThr != null && IOU_THRS[t] != iouThr) continue;   // np.where(iouThr == p.iouThrs)
            int K = acc.recall[t].length;
            for (int k = 0; k < K; k++) {
                if (ap) {
                    for (int r = 0; r < R; r++) {
                        double v = acc.precision[t][r][k][a][m];
                        if (v > -1) { sum += v; n++; }
                    }
                } else {
                    double v = acc.recall[t][k][a][m];
                    if (v > -1) { sum += v; n++; }
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }

    static double[] linspace(double start, double stop, int num) {
        double[] out = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) out[i] = i * step + start;
        out[num - 1] = stop;
        return out;
    }
}
