package dev.jground.ground;

import dev.jground.image.ClipImageProcessor;
import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.LlavaConfig;
import dev.jground.io.config.ModelKind;
import dev.jground.io.config.SamConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.llama.Generator;
import dev.jground.model.llama.Sampler;
import dev.jground.model.llava.LlavaForConditionalGeneration;
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
import java.util.List;

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

    private final LlavaForConditionalGeneration llava;
    private final Tokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final SamPredictor sam;
    private final Backend backend;
    private final List<Checkpoint> owned;

    /** From models already loaded; {@link #close} leaves their checkpoints open. */
    public Grounder(LlavaForConditionalGeneration llava, Tokenizer tokenizer, ClipImageProcessor processor,
                    SamPredictor sam, Backend backend) {
        this(llava, tokenizer, processor, sam, backend, List.of());
    }

    private Grounder(LlavaForConditionalGeneration llava, Tokenizer tokenizer, ClipImageProcessor processor,
                     SamPredictor sam, Backend backend, List<Checkpoint> owned) {
        ClipPreprocessorConfig.checkFits(processor, llava.config().vision().imageSize());
        this.llava = llava;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.sam = sam;
        this.backend = backend;
        this.owned = owned;
    }

    /** Loads a LLaVA checkpoint directory (with its tokenizer.json) and a SAM one. */
    public static Grounder open(Path llavaDir, Path samDir, Backend b) throws IOException {
        return open(llavaDir, llavaDir.resolve("tokenizer.json"), samDir, b);
    }

    /** As {@link #open(Path, Path, Backend)} with the tokenizer from its own file. */
    public static Grounder open(Path llavaDir, Path tokenizerFile, Path samDir, Backend b) throws IOException {
        LlavaConfig lc = LlavaConfig.parse(config(llavaDir, ModelKind.LLAVA, "--model"));
        SamConfig sc = SamConfig.parse(config(samDir, ModelKind.SAM, "--sam"));
        Tokenizer tokenizer = ImagePrompt.loadTokenizer(tokenizerFile, lc.imageTokenIndex());
        ClipImageProcessor processor = ClipPreprocessorConfig.load(llavaDir, lc.vision().imageSize(), true);
        List<Checkpoint> owned = new ArrayList<>(2);
        try {
            owned.add(Checkpoint.open(llavaDir));
            LlavaForConditionalGeneration llava = new LlavaForConditionalGeneration(owned.getFirst(), b, lc);
            owned.add(Checkpoint.open(samDir));
            SamPredictor sam = new SamPredictor(new SamModel(owned.get(1), b, sc), b);
            return new Grounder(llava, tokenizer, processor, sam, b, owned);
        } catch (RuntimeException e) {
            for (Checkpoint c : owned) c.close();
            throw e;
        }
    }

    /** A checkpoint directory's config.json, refused unless it describes {@code kind}. */
    private static JsonObject config(Path dir, ModelKind kind, String what) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(what + " " + dir + ": no such directory");
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new IOException(what + " " + dir + ": no config.json");
        JsonObject c = JsonObject.parse(file);
        ModelKind found = ModelKind.detect(c);
        if (found != kind)
            throw new IllegalArgumentException(what + " " + dir + " holds " + (found == ModelKind.UNKNOWN ? "an unknown model"
                    : "a " + found.humanName() + " checkpoint") + ", expected " + kind.humanName());
        return c;
    }

    public Tokenizer tokenizer() { return tokenizer; }

    /** The image, the question, the answer and its grounded noun phrases. listener may be null. */
    public Grounding ground(RgbImage image, String question, Options o, Listener listener) {
        Listener l = listener == null ? new Listener() {} : listener;
        LlavaConfig c = llava.config();
        int[] ids = ImagePrompt.ids(tokenizer, o.template().prompt(question), c.imageTokenIndex());
        int imageAt = indexOf(ids, c.imageTokenIndex()), patches = c.vision().numPatches();
        int promptLength = ids.length - 1 + patches, context = c.text().maxPositionEmbeddings();
        if (promptLength >= context)
            throw new IllegalArgumentException("the prompt is " + promptLength + " tokens with the image's " + patches
                    + ", longer than the model's context of " + context);
        int maxTokens = Math.min(o.maxTokens(), context - promptLength + 1);

        l.stage("encoding the image (" + image.width() + "x" + image.height() + ")");
        int size = c.vision().imageSize();
        Tensor pixels = backend.upload(processor.preprocess(image).pixelValues(), 3, size, size);
        Tensor embeds = llava.inputsEmbeds(backend, ids, llava.imageFeatures(backend, pixels));

        l.stage("generating (prompt " + promptLength + " tokens, at most " + maxTokens + " new)");
        int layers = c.text().numHiddenLayers(), heads = c.text().numAttentionHeads();
        VisualAttention attention = switch (o.heads()) {
            case OFFICIAL -> VisualAttention.headOfEveryLayer(imageAt, patches, layers, heads, heads - 2);
            case ALL -> VisualAttention.allHeads(imageAt, patches, layers, heads);
            case LISTED -> VisualAttention.pairs(imageAt, patches, layers, heads, o.pairs());
        };
        Tokenizer.StreamDecoder stream = tokenizer.streamDecoder(true);
        int[] tokens = new Generator(llava.languageModel()).generate(backend, embeds, maxTokens, o.sampler(),
                c.text().eosTokenId(), attention, (step, token, logits) -> l.text(stream.push(token)))
                .stream().mapToInt(Integer::intValue).toArray();
        l.text(stream.flush());

        List<float[]> maps = o.normalize() ? AttentionMaps.normalize(attention.maps()) : attention.maps();
        NounPhrases.Decoded decoded = NounPhrases.decode(tokenizer, tokens);
        List<NounPhrases.Phrase> chunks = NounPhrases.load().phrases(decoded);
        List<Grounding.Phrase> phrases = new ArrayList<>(chunks.size());
        if (!chunks.isEmpty()) {
            l.stage("segmenting " + chunks.size() + " phrase" + (chunks.size() == 1 ? "" : "s"));
            sam.setImage(image);
        }
        int grid = c.vision().gridSize();
        for (NounPhrases.Phrase chunk : chunks) {
            List<float[]> own = new ArrayList<>();
            for (int t : chunk.tokens()) if (t - o.offset() >= 0) own.add(maps.get(t - o.offset()));
            // a root whose only token has no map (the first token, offset 1): no point to prompt with;
            // the official code never sees such a phrase, it drops the first token's text (§2.2)
            if (own.isEmpty()) continue;
            float[] map = AttentionMaps.mean(own);
            int[] point = AttentionMaps.peak(AttentionMaps.toImage(map, grid, image.width(), image.height()), image.width());
            SamPredictor.Prediction p = sam.predict(new float[] {point[0], point[1]}, new int[] {1}, null, null, true);
            int kept = o.mask() == MaskChoice.BEST ? p.best() : p.count() - 1;
            phrases.add(new Grounding.Phrase(chunk.text(), chunk.start(), chunk.end(), chunk.root(), chunk.tokens(), map,
                    point[0], point[1], p.iouPredictions()[kept], p.mask(kept)));
        }
        return new Grounding(image, question, decoded.text(), tokens, grid, List.copyOf(phrases));
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        throw new IllegalArgumentException("no image token " + id + " in the prompt");
    }

    @Override public void close() {
        for (Checkpoint c : owned) c.close();
    }
}
