package dev.jground.ground;

import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.config.SamConfig;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.nn.CpuBackend;
import dev.jground.tensor.TensorView;
import dev.jground.text.ChatTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The library API end to end on the tiny golden models: the answer is the reference's greedy
 * answer, and each phrase's map is the mean of the reference's own normalised maps (out.aas_*)
 * of its head noun's tokens, for every variant of the method's open choices.
 */
class GrounderTest {
    static final Path LLAVA = Path.of("src/test/resources/golden/llava-tiny"), SAM = Path.of("src/test/resources/golden/sam-tiny");
    static final Path TOKENIZER = Path.of("src/test/resources/fixtures/llama2-tokenizer/tokenizer.json");
    static final String QUESTION = "Describe the image in detail.";

    static CpuBackend backend;
    static Grounder grounder;
    static SafeTensorsFile golden;
    static RgbImage image;
    // the golden's prompt is the llava-hf template; 12 tokens are what it generated
    static final Grounder.Options TINY = Grounder.Options.DEFAULT.withTemplate(ChatTemplate.LLAVA_HF).withMaxTokens(12);

    @BeforeAll static void load() throws IOException {
        backend = new CpuBackend(2);
        grounder = Grounder.open(LLAVA, TOKENIZER, SAM, backend);
        golden = SafeTensorsFile.open(LLAVA.resolve("golden.safetensors"));
        TensorView hwc = golden.tensor("in.image");   // U8 [H, W, 3]
        byte[] px = new byte[Math.toIntExact(hwc.numel())];
        for (int i = 0; i < px.length; i++) px[i] = (byte) hwc.getLong(i);
        image = new RgbImage(hwc.dim(1), hwc.dim(0), px);
    }

    @AfterAll static void close() {
        grounder.close();
        golden.close();
        backend.close();
    }

    @Test void answersAsTheReferenceAndGroundsEveryPhrase() {
        List<String> stages = new ArrayList<>();
        StringBuilder streamed = new StringBuilder();
        Grounding g = grounder.ground(image, QUESTION, TINY, new Grounder.Listener() {
            @Override public void stage(String what) { stages.add(what); }
            @Override public void text(String piece) { streamed.append(piece); }
        });
        JsonObject generation = JsonObject.parse(LLAVA.resolve("golden.json")).object("generation");
        assertArrayEquals(golden.tensor("out.generated_ids").toLongArray(), java.util.Arrays.stream(g.tokens()).asLongStream().toArray());
        assertEquals(generation.string("generated_text"), g.answer());
        assertEquals(g.answer(), streamed.toString());
        assertTrue(stages.getFirst().startsWith("encoding the image (451x300)"), stages.toString());
        assertFalse(g.phrases().isEmpty(), "the reference answer has noun phrases: " + g.answer());
        assertEquals(6, g.grid());
        checkPhrases(g, "out.aas_official_norm_maps", 0);
        // a phrase of one token points where the reference's map of that token peaks (this answer's one
        // chunk has the root "il", token 8)
        assertTrue(g.phrases().stream().anyMatch(p -> p.tokens().length == 1), "no one-token phrase in " + g.answer());
        long[] points = golden.tensor("out.aas_official_points").toLongArray();
        for (Grounding.Phrase p : g.phrases())
            if (p.tokens().length == 1) {
                assertEquals(points[2 * p.tokens()[0]], p.x(), p.text());
                assertEquals(points[2 * p.tokens()[0] + 1], p.y(), p.text());
            }
    }

    @Test void allHeadsAndTheOfficialOffsetReadOtherMaps() {
        checkPhrases(grounder.ground(image, QUESTION, TINY.withHeads(Grounder.Heads.ALL), null), "out.aas_norm_maps", 0);
        Grounding shifted = grounder.ground(image, QUESTION, TINY.withOffset(1), null);
        checkPhrases(shifted, "out.aas_official_norm_maps", 1);
        checkPhrases(grounder.ground(image, QUESTION, TINY.withNormalize(false), null), "out.aas_official_raw_maps", 0);
        // head n-2 of every layer, listed pair by pair, is the official selection
        checkPhrases(grounder.ground(image, QUESTION, TINY.withPairs(new int[][] {{0, 2}, {1, 2}, {2, 2}}), null),
                "out.aas_official_norm_maps", 0);
    }

    @Test void masksAreSamsAtThePointAndTheChosenIndex() throws IOException {
        Grounding third = grounder.ground(image, QUESTION, TINY, null);
        Grounding best = grounder.ground(image, QUESTION, TINY.withMask(Grounder.MaskChoice.BEST), null);
        try (Checkpoint c = Checkpoint.open(SAM)) {
            SamPredictor sam = new SamPredictor(new SamModel(c, backend, SamConfig.parse(JsonObject.parse(SAM.resolve("config.json")))), backend);
            sam.setImage(image);
            for (int i = 0; i < third.phrases().size(); i++) {
                Grounding.Phrase p = third.phrases().get(i), q = best.phrases().get(i);
                SamPredictor.Prediction want = sam.predict(new float[] {p.x(), p.y()}, new int[] {1}, null, null, true);
                assertEquals(3, want.count());
                assertEquals(want.iouPredictions()[2], p.score());
                assertArrayEquals(want.mask(2), p.mask(), p.text());
                assertEquals(want.iouPredictions()[want.best()], q.score());
                assertArrayEquals(want.mask(want.best()), q.mask(), q.text());
                assertEquals(image.width() * image.height(), p.mask().length);
            }
        }
    }

    /** Each phrase: its text is its span, its tokens cover its root, its map is the mean of the golden maps. */
    private static void checkPhrases(Grounding g, String goldenMaps, int offset) {
        TensorView maps = golden.tensor(goldenMaps);
        int cells = g.grid() * g.grid();
        float[] all = maps.toFloatArray();
        for (Grounding.Phrase p : g.phrases()) {
            assertEquals(p.text(), g.span(p.start(), p.end()));
            assertTrue(g.answer().contains(p.root()), p.root());
            assertTrue(p.tokens().length > 0, p.text());
            float[] want = new float[cells];
            int used = 0;
            for (int t : p.tokens()) {
                if (t - offset < 0) continue;
                for (int k = 0; k < cells; k++) want[k] += all[(t - offset) * cells + k];
                used++;
            }
            for (int k = 0; k < cells; k++) want[k] /= used;
            for (int k = 0; k < cells; k++)
                assertEquals(want[k], p.map()[k], 5e-4 + 2e-3 * Math.abs(want[k]), p.text() + " cell " + k + " of " + goldenMaps);
            assertTrue(p.x() >= 0 && p.x() < g.image().width() && p.y() >= 0 && p.y() < g.image().height());
        }
    }

    @Test void refusesSwappedCheckpointsAndLongPrompts(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> Grounder.open(SAM, TOKENIZER, SAM, backend));
        assertEquals("--model " + SAM + " holds a SamModel checkpoint, expected LlavaForConditionalGeneration or LlavaLlamaForCausalLM (DiffLMM)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Grounder.open(LLAVA, TOKENIZER, LLAVA, backend));
        assertEquals("--sam " + LLAVA + " holds a LlavaForConditionalGeneration checkpoint, expected SamModel", e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals("--sam " + empty + ": no config.json",
                assertThrows(IOException.class, () -> Grounder.open(LLAVA, TOKENIZER, empty, backend)).getMessage());
        // 512 positions: 36 image tokens plus a long question do not fit
        e = assertThrows(IllegalArgumentException.class, () -> grounder.ground(image, "word ".repeat(600), TINY, null));
        assertTrue(e.getMessage().matches("the prompt is \\d+ tokens with the image's 36, longer than the model's context of 512"), e.getMessage());
    }
}
