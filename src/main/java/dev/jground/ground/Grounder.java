package dev.jground.ground;

import dev.jground.image.ClipImageProcessor;
import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.ModelKind;
import dev.jground.io.config.SamConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.llama.AttentionRecorder;
import dev.jground.model.llama.Generator;
import dev.jground.model.llama.Recorders;
import dev.jground.model.llama.Sampler;
import dev.jground.model.llava.LlavaModel;
import dev.jground.model.llava.LlavaModels;
import dev.jground.model.llava.VisualAttention;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.text.ChatTemplate;
import dev.jground.text.ImagePrompt;
import dev.jground.text.NounPhrases;
import dev.jground.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Attend-and-segment, one call from an image and a question to grounded noun phrases
 * (aas-spec §1–§3): LLaVA answers while {@link VisualAttention} keeps each new token's attention
 * over the visual tokens; each noun phrase's head-noun tokens pick their maps, whose mean,
 * normalised by the answer's mean map and upsampled over the unpadded image, gives the point
 * SAM is prompted with.
 *
 * <pre>{@code
 * try (Backend b = new CpuBackend(4); Grounder g = Grounder.open(llavaDir, samDir, b)) {
 *     Grounding r = g.ground(ImageFiles.read(photo), "Describe the image in detail.", Grounder.Options.DEFAULT, null);
 *     for (Grounding.Phrase p : r.phrases()) System.out.println(p.text() + " at " + p.x() + "," + p.y());
 * }
 * }</pre>
 */
public final class Grounder implements AutoCloseable {

    /** Which (layer, head) pairs a token's map averages. */
    public enum Heads {
        /** Head n_heads - 2 of every layer, what the released code's slice keeps (aas-spec §1.5). */
        OFFICIAL,
        /** Every head of every layer, as the paper's text says. */
        ALL,
        /** The pairs in {@link Options#pairs}, e.g. localization heads (aas-spec §7.1). */
        LISTED
    }

    /** Which of SAM's three masks a phrase keeps. */
    public enum MaskChoice {
        /** Index 2, whatever its score, as gcg.py does (aas-spec §2.6). */
        THIRD,
        /** The one with the highest predicted IoU. */
        BEST
    }

    /**
     * The method's open choices.
     *
     * @param offset    token t reads the map of decoding step t - offset. 0 (the default) pairs a
     *                  token with the step that produced it, which localises best in our
     *                  measurements (aas-spec addendum); 1 is what the official scripts run (§2.2)
     * @param normalize subtract the answer's mean map from each token's (paper Eq. 3, §2.1)
     * @param maxTokens at most this many new tokens; fewer when the context ends first
     * @param pairs     the (layer, head) pairs of {@link Heads#LISTED}, else null
     */
    public record Options(Heads heads, int[][] pairs, int offset, MaskChoice mask, boolean normalize, int maxTokens,
                          ChatTemplate template, Sampler sampler) {
        public static final Options DEFAULT =
                new Options(Heads.OFFICIAL, null, 0, MaskChoice.THIRD, true, 1024, ChatTemplate.LLAVA_V1, Sampler.greedy());

        public Options {
            if ((heads == Heads.LISTED) != (pairs != null))
                throw new IllegalArgumentException("(layer, head) pairs go with Heads.LISTED and only with it");
            if (offset != 0 && offset != 1) throw new IllegalArgumentException("offset must be 0 or 1, got " + offset);
            if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + maxTokens);
        }

        /** The choices as result.json records them. */
        public java.util.Map<String, Object> describe() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("heads", heads.name().toLowerCase(java.util.Locale.ROOT));
            if (pairs != null) m.put("pairs", java.util.Arrays.stream(pairs).map(p -> List.of(p[0], p[1])).toList());
            m.put("offset", offset);
            m.put("mask", mask.name().toLowerCase(java.util.Locale.ROOT));
            m.put("normalize", normalize);
            m.put("max_tokens", maxTokens);
            m.put("template", template.id());
            m.put("sampler", sampler.toString());
            return m;
        }

        public Options withHeads(Heads h) { return new Options(h, null, offset, mask, normalize, maxTokens, template, sampler); }
        public Options withPairs(int[][] p) { return new Options(Heads.LISTED, p, offset, mask, normalize, maxTokens, template, sampler); }
        public Options withOffset(int o) { return new Options(heads, pairs, o, mask, normalize, maxTokens, template, sampler); }
        public Options withMask(MaskChoice m) { return new Options(heads, pairs, offset, m, normalize, maxTokens, template, sampler); }
        public Options withNormalize(boolean n) { return new Options(heads, pairs, offset, mask, n, maxTokens, template, sampler); }
        public Options withMaxTokens(int n) { return new Options(heads, pairs, offset, mask, normalize, n, template, sampler); }
        public Options withTemplate(ChatTemplate t) { return new Options(heads, pairs, offset, mask, normalize, maxTokens, t, sampler); }
    }

    /** Told what is happening: the slow steps as they start, and the answer as it is written. */
    public interface Listener {
        default void stage(String what) {}
        default void text(String piece) {}
    }

    private final LlavaModel llava;
    private final Tokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final SamPredictor sam;
    private final Backend backend;
    private final List<AutoCloseable> owned;
    private RgbImage samImage;                       // the image SAM's embedding is of, if any
    private final Map<List<Integer>, SamPredictor.Prediction> prompted = new HashMap<>();   // its answers by point

    /** From models already loaded; {@link #close} leaves their checkpoints open. */
    public Grounder(LlavaModel llava, Tokenizer tokenizer, ClipImageProcessor processor, SamPredictor sam, Backend backend) {
        this(llava, tokenizer, processor, sam, backend, List.of());
    }

    private Grounder(LlavaModel llava, Tokenizer tokenizer, ClipImageProcessor processor,
                     SamPredictor sam, Backend backend, List<AutoCloseable> owned) {
        ClipPreprocessorConfig.checkFits(processor, llava.imageSize());
        this.llava = llava;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.sam = sam;
        this.backend = backend;
        this.owned = owned;
    }

    /** Loads a LLaVA or DiffLMM checkpoint directory (with its tokenizer.json) and a SAM one. */
    public static Grounder open(Path llavaDir, Path samDir, Backend b) throws IOException {
        return open(llavaDir, llavaDir.resolve("tokenizer.json"), samDir, b);
    }

    /** As {@link #open(Path, Path, Backend)} with the tokenizer from its own file. */
    public static Grounder open(Path llavaDir, Path tokenizerFile, Path samDir, Backend b) throws IOException {
        JsonObject lc = config(llavaDir, "--model", LlavaModels::isLlavaModel,
                ModelKind.LLAVA.humanName() + " or " + ModelKind.LLAVA_LLAMA_DIFFLMM.humanName());
        SamConfig sc = SamConfig.parse(config(samDir, "--sam", k -> k == ModelKind.SAM, ModelKind.SAM.humanName()));
        Tokenizer tokenizer = ImagePrompt.loadTokenizer(tokenizerFile, LlavaModels.imageTokenIndex(lc));
        LlavaModels.Loaded llava = LlavaModels.open(llavaDir, b, true);
        try {
            Checkpoint samWeights = Checkpoint.open(samDir);
            try {
                SamPredictor sam = new SamPredictor(new SamModel(samWeights, b, sc), b);
                return new Grounder(llava.model(), tokenizer, llava.processor(), sam, b, List.of(llava, samWeights));
            } catch (RuntimeException e) {
                samWeights.close();
                throw e;
            }
        } catch (RuntimeException e) {
            llava.close();
            throw e;
        }
    }

    /** A checkpoint directory's config.json, refused unless it describes a kind {@code wanted} accepts. */
    private static JsonObject config(Path dir, String what, Predicate<ModelKind> wanted, String expected)
            throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(what + " " + dir + ": no such directory");
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new IOException(what + " " + dir + ": no config.json");
        JsonObject c = JsonObject.parse(file);
        ModelKind found = ModelKind.detect(c);
        if (!wanted.test(found))
            throw new IllegalArgumentException(what + " " + dir + " holds " + (found == ModelKind.UNKNOWN ? "an unknown model"
                    : "a " + found.humanName() + " checkpoint") + ", expected " + expected);
        return c;
    }

    public Tokenizer tokenizer() { return tokenizer; }

    /**
     * One generation kept so that every read-out can be made from it without generating again
     * (the eval verb reports them side by side): the answer, its noun phrases, and each decoding
     * step's raw map under each head selection recorded.
     *
     * @param text   the decoded answer
     * @param chunks its noun phrases with their head nouns' token indices
     * @param maps   for {@link Heads#OFFICIAL}, {@link Heads#ALL} and, when asked for, {@link Heads#LISTED}:
     *               one raw (not normalised) [grid * grid] map per decoding step, step i produced token i
     * @param pairs  the (layer, head) pairs recorded as {@link Heads#LISTED}, else null
     */
    public record Answer(RgbImage image, String question, int[] tokens, String text, List<NounPhrases.Phrase> chunks,
                         int grid, Map<Heads, List<float[]>> maps, int[][] pairs) {}

    /** SAM's answer at one point: the kept mask, 0/1 [height, width], and its predicted IoU. */
    public record Segmented(float score, byte[] mask) {}

    /** The image, the question, the answer and its grounded noun phrases. listener may be null. */
    public Grounding ground(RgbImage image, String question, Options o, Listener listener) {
        return readOut(answer(image, question, o, listener), o, listener == null ? new Listener() {} : listener);
    }

    /**
     * The grounding of an answer under o's read-out (heads, pairs, offset, normalisation, mask
     * choice); o's template, sampler and token limit were the answer's business and are not looked at.
     * SAM encodes the image once for all read-outs of it, and answers each point once.
     */
    public Grounding ground(Answer a, Options o) { return readOut(a, o, new Listener() {}); }

    /** Generates the answer with o's template, sampler and token limit, recording every head selection's maps. */
    public Answer answer(RgbImage image, String question, Options o, Listener listener) {
        Listener l = listener == null ? new Listener() {} : listener;
        int[] ids = ImagePrompt.ids(tokenizer, o.template().prompt(question), llava.imageTokenIndex());
        int imageAt = indexOf(ids, llava.imageTokenIndex()), patches = llava.numPatches();
        int promptLength = ids.length - 1 + patches, context = llava.text().maxPositionEmbeddings();
        if (promptLength >= context)
            throw new IllegalArgumentException("the prompt is " + promptLength + " tokens with the image's " + patches
                    + ", longer than the model's context of " + context);
        int maxTokens = Math.min(o.maxTokens(), context - promptLength + 1);

        l.stage("encoding the image (" + image.width() + "x" + image.height() + ")");
        int size = llava.imageSize();
        Tensor pixels = backend.upload(processor.preprocess(image).pixelValues(), 3, size, size);
        Tensor embeds = llava.inputsEmbeds(backend, ids, llava.imageFeatures(backend, pixels));

        l.stage("generating (prompt " + promptLength + " tokens, at most " + maxTokens + " new)");
        int layers = llava.text().numHiddenLayers(), heads = llava.text().numAttentionHeads();
        // one pass feeds every selection: choosing among them later costs no second generation
        Map<Heads, VisualAttention> recorders = new EnumMap<>(Heads.class);
        recorders.put(Heads.OFFICIAL, VisualAttention.headOfEveryLayer(imageAt, patches, layers, heads, heads - 2));
        recorders.put(Heads.ALL, VisualAttention.allHeads(imageAt, patches, layers, heads));
        if (o.heads() == Heads.LISTED) recorders.put(Heads.LISTED, VisualAttention.pairs(imageAt, patches, layers, heads, o.pairs()));
        Tokenizer.StreamDecoder stream = tokenizer.streamDecoder(true);
        int[] tokens = new Generator(llava.languageModel()).generate(backend, embeds, maxTokens, o.sampler(),
                llava.text().eosTokenId(), Recorders.of(recorders.values().toArray(AttentionRecorder[]::new)),
                (step, token, logits) -> l.text(stream.push(token)))
                .stream().mapToInt(Integer::intValue).toArray();
        l.text(stream.flush());

        NounPhrases.Decoded decoded = NounPhrases.decode(tokenizer, tokens);
        Map<Heads, List<float[]>> maps = new EnumMap<>(Heads.class);
        recorders.forEach((h, r) -> maps.put(h, List.copyOf(r.maps())));
        return new Answer(image, question, tokens, decoded.text(), NounPhrases.load().phrases(decoded), llava.gridSize(),
                Collections.unmodifiableMap(maps), o.pairs());
    }

    private Grounding readOut(Answer a, Options o, Listener l) {
        List<float[]> raw = a.maps().get(o.heads());
        if (raw == null || (o.heads() == Heads.LISTED && !Arrays.deepEquals(o.pairs(), a.pairs())))
            throw new IllegalArgumentException("the answer recorded no maps for " + o.describe().get("heads")
                    + (o.pairs() == null ? "" : " " + o.describe().get("pairs")));
        List<float[]> maps = o.normalize() ? AttentionMaps.normalize(raw) : raw;
        List<Grounding.Phrase> phrases = new ArrayList<>(a.chunks().size());
        if (!a.chunks().isEmpty()) l.stage("segmenting " + a.chunks().size() + " phrase" + (a.chunks().size() == 1 ? "" : "s"));
        RgbImage image = a.image();
        for (NounPhrases.Phrase chunk : a.chunks()) {
            List<float[]> own = new ArrayList<>();
            for (int t : chunk.tokens()) if (t - o.offset() >= 0) own.add(maps.get(t - o.offset()));
            // a root whose only token has no map (the first token, offset 1): no point to prompt with;
            // the official code never sees such a phrase, it drops the first token's text (§2.2)
            if (own.isEmpty()) continue;
            float[] map = AttentionMaps.mean(own);
            int[] point = AttentionMaps.peak(AttentionMaps.toImage(map, a.grid(), image.width(), image.height()), image.width());
            Segmented s = segment(image, point[0], point[1], o.mask());
            phrases.add(new Grounding.Phrase(chunk.text(), chunk.start(), chunk.end(), chunk.root(), chunk.tokens(), map,
                    point[0], point[1], s.score(), s.mask()));
        }
        return new Grounding(image, a.question(), a.text(), a.tokens(), a.grid(), List.copyOf(phrases));
    }

    /**
     * SAM prompted with one foreground point (multimask, as gcg.py), keeping the mask that choice
     * picks. The image is encoded on its first prompt and kept while the prompts are of the same
     * image object; a point asked again is answered from memory.
     */
    public Segmented segment(RgbImage image, int x, int y, MaskChoice choice) {
        if (image != samImage) {
            prompted.clear();
            samImage = null;
            sam.setImage(image);
            samImage = image;
        }
        SamPredictor.Prediction p = prompted.computeIfAbsent(List.of(x, y),
                k -> sam.predict(new float[] {x, y}, new int[] {1}, null, null, true));
        int kept = choice == MaskChoice.BEST ? p.best() : p.count() - 1;
        return new Segmented(p.iouPredictions()[kept], p.mask(kept));
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        throw new IllegalArgumentException("no image token " + id + " in the prompt");
    }

    @Override public void close() {
        RuntimeException first = null;
        for (AutoCloseable c : owned)
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) first = e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
            }
        if (first != null) throw first;
    }
}
