package dev.jground.ground;

import dev.jground.eval.CategoryMatcher;
import dev.jground.eval.CocoDataset;
import dev.jground.eval.InstanceScores;
import dev.jground.eval.Rle;
import dev.jground.image.RgbImage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * attend-and-segment scored as instance segmentation on a COCO-format dataset (aas-spec §4.1):
 * each image's answer is generated once and read out under every {@link Variant}; a phrase is
 * kept when its head noun names a category of the image's ground truth (the official
 * instance_seg.py keeps only those), and its point and mask are scored by {@link InstanceScores}.
 * Beside them, the paper's blind baseline: SAM prompted at one random pixel per category present.
 */
public final class Evaluation {

    /**
     * A read-out of one answer: which heads' maps, normalised or raw, and which step's map a token
     * reads. {@link Grounder.Heads#LISTED} reads the (layer, head) pairs of the options it is applied to.
     */
    public record Variant(Grounder.Heads heads, boolean normalize, int offset) {
        /** The variant o reads out. */
        public static Variant of(Grounder.Options o) { return new Variant(o.heads(), o.normalize(), o.offset()); }

        public Grounder.Options apply(Grounder.Options o) {
            if (heads == Grounder.Heads.LISTED && o.pairs() == null)
                throw new IllegalArgumentException("a listed-heads variant needs options with (layer, head) pairs");
            Grounder.Options h = heads == Grounder.Heads.LISTED ? o.withPairs(o.pairs()) : o.withHeads(heads);
            return h.withNormalize(normalize).withOffset(offset);
        }

        /** "official normalised offset 0" */
        public String name() {
            return heads.name().toLowerCase(Locale.ROOT) + (normalize ? " normalised" : " raw") + " offset " + offset;
        }
    }

    /** Heads official/all x normalised/raw x offset 0/1. */
    public static final List<Variant> VARIANTS = variants(List.of(Grounder.Heads.OFFICIAL, Grounder.Heads.ALL));

    /** {@link #VARIANTS}, and when base lists (layer, head) pairs, those pairs x normalised/raw x offset 0/1 after them. */
    public static List<Variant> variants(Grounder.Options base) {
        return base.heads() == Grounder.Heads.LISTED
                ? variants(List.of(Grounder.Heads.OFFICIAL, Grounder.Heads.ALL, Grounder.Heads.LISTED)) : VARIANTS;
    }

    private static List<Variant> variants(List<Grounder.Heads> heads) {
        List<Variant> all = new ArrayList<>();
        for (Grounder.Heads h : heads)
            for (boolean n : List.of(true, false))
                for (int offset : List.of(0, 1)) all.add(new Variant(h, n, offset));
        return List.copyOf(all);
    }

    /** A phrase of the answer and the category it was matched to, -1 for none. */
    public record Match(String text, String root, int category) {}

    /**
     * What one image gave: the answer with its phrases (as the first variant read them), each
     * variant's kept prompts, and the random points' prompts.
     */
    public record ImageResult(CocoDataset.Image image, String answer, List<Match> phrases,
                              Map<Variant, List<InstanceScores.Prompt>> kept, List<InstanceScores.Prompt> random) {}

    private final CocoDataset gt;
    private final Map<Long, List<CocoDataset.Annotation>> annotations;
    private final CategoryMatcher matcher;
    private final long seed;
    private final List<Variant> variants;
    private final List<ImageResult> results = new ArrayList<>();

    /** seed chooses the random points; the same seed gives the same points, image by image, whatever the order. */
    public Evaluation(CocoDataset gt, long seed) { this(gt, seed, VARIANTS); }

    /** The same, scoring the given read-outs ({@link #variants(Grounder.Options)} of the options answers are asked with). */
    public Evaluation(CocoDataset gt, long seed, List<Variant> variants) {
        this.variants = List.copyOf(variants);
        this.gt = gt;
        this.annotations = gt.byImage();
        this.matcher = new CategoryMatcher(gt.categories());
        this.seed = seed;
    }

    /** The categories of an image's ground truth, crowds included: the only ones a phrase may be matched to. */
    public Set<Integer> categoriesOf(long imageId) {
        Set<Integer> out = new TreeSet<>();
        for (CocoDataset.Annotation a : annotations.getOrDefault(imageId, List.of())) out.add(a.categoryId());
        return out;
    }

    /**
     * One image: the answer generated once with base's generation settings, grounded under every
     * variant, and SAM at the random points. An image without annotations is recorded without
     * running anything, as instance_seg.py skips it.
     */
    public ImageResult run(Grounder grounder, CocoDataset.Image info, RgbImage image, String question, Grounder.Options base) {
        if (image.width() != info.width() || image.height() != info.height())
            throw new IllegalArgumentException(info.fileName() + " is " + image.width() + "x" + image.height()
                    + ", the annotations say " + info.width() + "x" + info.height());
        if (categoriesOf(info.id()).isEmpty()) return add(info, Map.of(), List.of());
        Grounder.Answer answer = grounder.answer(image, question, base, null);
        Map<Variant, Grounding> groundings = new LinkedHashMap<>();
        for (Variant v : variants) groundings.put(v, grounder.ground(answer, v.apply(base)));
        List<InstanceScores.Prompt> random = new ArrayList<>();
        for (int[] p : randomPoints(info)) {
            Grounder.Segmented s = grounder.segment(image, p[1], p[2], base.mask());
            random.add(new InstanceScores.Prompt(info.id(), p[0], p[1], p[2], s.score(), Rle.encode(s.mask(), info.height(), info.width())));
        }
        return add(info, groundings, random);
    }

    /** Records an image's groundings (by variant) and random prompts; what {@link #run} does after the models. */
    public ImageResult add(CocoDataset.Image info, Map<Variant, Grounding> groundings, List<InstanceScores.Prompt> random) {
        Map<Variant, List<InstanceScores.Prompt>> kept = new LinkedHashMap<>();
        List<Match> phrases = null;
        String answer = "";
        for (Variant v : variants) {
            Grounding g = groundings.get(v);
            List<Match> matches = g == null ? List.of() : matches(info.id(), g);
            kept.put(v, g == null ? List.of() : kept(info, g, matches));
            if (g != null && phrases == null) {
                phrases = matches;
                answer = g.answer();
            }
        }
        if (phrases == null) phrases = List.of();
        ImageResult r = new ImageResult(info, answer, phrases, kept, List.copyOf(random));
        results.add(r);
        return r;
    }

    /** Each phrase of a grounding and the category of the image it names, or -1. */
    public List<Match> matches(long imageId, Grounding g) {
        Set<Integer> candidates = categoriesOf(imageId);
        List<Match> out = new ArrayList<>(g.phrases().size());
        for (Grounding.Phrase p : g.phrases()) out.add(new Match(p.text(), p.root(), matcher.match(p.text(), p.root(), candidates)));
        return out;
    }

    private static List<InstanceScores.Prompt> kept(CocoDataset.Image info, Grounding g, List<Match> matches) {
        List<InstanceScores.Prompt> out = new ArrayList<>();
        for (int i = 0; i < matches.size(); i++) {
            if (matches.get(i).category() < 0) continue;
            Grounding.Phrase p = g.phrases().get(i);
            out.add(new InstanceScores.Prompt(info.id(), matches.get(i).category(), p.x(), p.y(), p.score(),
                    Rle.encode(p.mask(), info.height(), info.width())));
        }
        return out;
    }

    /** {category, x, y}: one uniformly drawn pixel per category of the image's ground truth, in category order. */
    public List<int[]> randomPoints(CocoDataset.Image info) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + info.id());
        List<int[]> out = new ArrayList<>();
        for (int c : categoriesOf(info.id())) out.add(new int[] {c, random.nextInt(info.width()), random.nextInt(info.height())});
        return out;
    }

    public List<ImageResult> results() { return List.copyOf(results); }

    /** The ids of the images recorded so far, the images the scores are over. */
    public long[] imageIds() { return results.stream().mapToLong(r -> r.image().id()).toArray(); }

    /** Every variant's scores, in the order they were given. */
    public Map<Variant, InstanceScores> scores() {
        Map<Variant, InstanceScores> out = new LinkedHashMap<>();
        for (Variant v : variants) {
            List<InstanceScores.Prompt> all = new ArrayList<>();
            for (ImageResult r : results) all.addAll(r.kept().get(v));
            out.put(v, InstanceScores.of(gt, imageIds(), all));
        }
        return out;
    }

    /** The random-point baseline's scores. */
    public InstanceScores randomScores() {
        List<InstanceScores.Prompt> all = new ArrayList<>();
        for (ImageResult r : results) all.addAll(r.random());
        return InstanceScores.of(gt, imageIds(), all);
    }
}
