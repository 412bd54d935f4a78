package dev.jground.model;

import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.config.LlavaConfig;
import dev.jground.io.config.SamConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.llama.Generator;
import dev.jground.model.llama.Sampler;
import dev.jground.model.llava.LlavaForConditionalGeneration;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import dev.jground.text.ChatTemplate;
import dev.jground.text.ImagePrompt;
import dev.jground.text.Tokenizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bundled demo models (weights/demo, trained by tools/train_demo_*.py) run by our Java code
 * give what their PyTorch definition gives (tools/export_demo.py wrote the reference from the
 * same F16 weights, computed in F32): the same prompt ids, the same greedy caption, the logits
 * of every step, and SAM's low-res masks and IoU for a point.
 * <p>
 * Tolerance: both sides compute in F32 from identical F16 weights; only the order of summation
 * differs. Measured when the reference was written: at most 5.7e-6 on logits of magnitude ~21
 * and 1.8e-5 on SAM mask logits. 1e-3 leaves 50x headroom and still catches any real error
 * (a wrong layer, norm or rounding step moves values by 1e-2 or more). The reference scenes were
 * picked so every greedy choice wins by at least 0.01 (over 1000x those differences), so the
 * ids must match exactly.
 */
class DemoModelTest {
    static final Path LLAVA = Path.of("weights/demo/llava"), SAM = Path.of("weights/demo/sam");
    static final Path REFERENCE = Path.of("src/test/resources/demo/reference.safetensors");
    static final float TOLERANCE = 1e-3f;

    @Test void llavaGivesThePyTorchCaptionAndLogits() throws Exception {
        LlavaConfig c = LlavaConfig.load(LLAVA.resolve("config.json"));
        Tokenizer tokenizer = ImagePrompt.loadTokenizer(LLAVA.resolve("tokenizer.json"), c.imageTokenIndex());
        var processor = ClipPreprocessorConfig.load(LLAVA, c.vision().imageSize(), true);
        int size = c.vision().imageSize();
        try (CpuBackend b = new CpuBackend(2); Checkpoint checkpoint = Checkpoint.open(LLAVA);
             SafeTensorsFile ref = SafeTensorsFile.open(REFERENCE)) {
            int[] ids = ImagePrompt.ids(tokenizer, ChatTemplate.LLAVA_V1.prompt("Describe the image in detail."), c.imageTokenIndex());
            assertArrayEquals(ints(ref.tensor("prompt_ids").toLongArray()), ids, "llava_v1 prompt ids");
            LlavaForConditionalGeneration model = new LlavaForConditionalGeneration(checkpoint, b, c);
            int[] used = ints(ref.tensor("used_ids").toLongArray());
            for (int s = 0; ref.has("scene_" + s + ".image"); s++) {
                String k = "scene_" + s + ".";
                Tensor pixels = b.upload(processor.preprocess(image(ref, k + "image")).pixelValues(), 3, size, size);
                Tensor embeds = model.inputsEmbeds(b, ids, model.imageFeatures(b, pixels));
                List<float[]> rows = new ArrayList<>();
                List<Integer> out = new Generator(model.languageModel()).generate(b, embeds, 40, new Sampler.Greedy(), 2, null,
                        (step, token, logits) -> rows.add(logits.clone()));
                int[] expected = ints(ref.tensor(k + "generated_ids").toLongArray());
                float[] step0 = ref.tensor(k + "logits_step0").toFloatArray();
                assertClose(step0, rows.getFirst(), TOLERANCE, "scene " + s + " step 0 logits (all 32064)");
                float[] usedRows = ref.tensor(k + "logits_used").toFloatArray();
                // logits first (over the steps both made): a failure then says how far apart they are
                for (int t = 0; t < Math.min(expected.length, rows.size()); t++) {
                    float[] got = new float[used.length];
                    for (int i = 0; i < used.length; i++) got[i] = rows.get(t)[used[i]];
                    assertClose(Arrays.copyOfRange(usedRows, t * used.length, (t + 1) * used.length), got, TOLERANCE,
                            "scene " + s + " step " + t + " logits of the caption vocabulary");
                }
                assertArrayEquals(expected, out.stream().mapToInt(Integer::intValue).toArray(), "scene " + s + " greedy ids");
            }
        }
    }

    @Test void samGivesThePyTorchMasks() throws Exception {
        SamConfig c = SamConfig.load(SAM.resolve("config.json"));
        try (CpuBackend b = new CpuBackend(2); Checkpoint checkpoint = Checkpoint.open(SAM);
             SafeTensorsFile ref = SafeTensorsFile.open(REFERENCE)) {
            SamPredictor predictor = new SamPredictor(new SamModel(checkpoint, b, c), b);
            for (int s = 0; ref.has("scene_" + s + ".image"); s++) {
                String k = "scene_" + s + ".";
                predictor.setImage(image(ref, k + "image"));
                long[] point = ref.tensor(k + "sam_point").toLongArray();
                SamPredictor.Prediction p = predictor.predict(new float[] {point[0], point[1]}, new int[] {1}, null, null, true);
                assertClose(ref.tensor(k + "sam_low_res_masks").toFloatArray(), b.download(p.lowResMasks()), TOLERANCE,
                        "scene " + s + " low-res masks");
                assertClose(ref.tensor(k + "sam_iou").toFloatArray(), p.iouPredictions(), TOLERANCE, "scene " + s + " IoU");
            }
        }
    }

    /** The decoder keeps its first block's image side for the next prompt of the same image: it must change nothing. */
    @Test void aSecondPromptOnTheSameImageDecodesAsOnAFreshModel() throws Exception {
        SamConfig c = SamConfig.load(SAM.resolve("config.json"));
        try (CpuBackend b = new CpuBackend(2); Checkpoint checkpoint = Checkpoint.open(SAM);
             SafeTensorsFile ref = SafeTensorsFile.open(REFERENCE)) {
            RgbImage image = image(ref, "scene_0.image");
            long[] point = ref.tensor("scene_0.sam_point").toLongArray();
            float[] first = {point[0], point[1]}, second = {point[0] / 2f, point[1] / 2f};
            int[] positive = {1};
            SamPredictor warm = new SamPredictor(new SamModel(checkpoint, b, c), b);
            warm.setImage(image);
            SamPredictor.Prediction a = warm.predict(first, positive, null, null, true);
            SamPredictor.Prediction bWarm = warm.predict(second, positive, null, null, true);
            SamPredictor.Prediction aAgain = warm.predict(first, positive, null, null, true);
            SamPredictor fresh = new SamPredictor(new SamModel(checkpoint, b, c), b);
            fresh.setImage(image);
            SamPredictor.Prediction bFresh = fresh.predict(second, positive, null, null, true);
            assertArrayEquals(b.download(bFresh.lowResMasks()), b.download(bWarm.lowResMasks()), "second prompt, warm against fresh");
            assertArrayEquals(bFresh.iouPredictions(), bWarm.iouPredictions());
            assertArrayEquals(b.download(a.lowResMasks()), b.download(aAgain.lowResMasks()), "first prompt again");
            assertFalse(Arrays.equals(b.download(a.lowResMasks()), b.download(bWarm.lowResMasks())), "two points, two answers");
        }
    }

    static RgbImage image(SafeTensorsFile ref, String name) {
        var t = ref.tensor(name);
        return new RgbImage(t.dim(1), t.dim(0), t.data().toArray(ValueLayout.JAVA_BYTE));
    }

    static int[] ints(long[] a) { return Arrays.stream(a).mapToInt(Math::toIntExact).toArray(); }

    static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        float worst = 0;
        int at = 0;
        for (int i = 0; i < expected.length; i++) {
            float d = Math.abs(expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        assertTrue(worst <= tolerance, what + ": |difference| " + worst + " at " + at + " (expected " + expected[at]
                + ", got " + actual[at] + "), tolerance " + tolerance);
    }
}
