package dev.jground.cli;

import dev.jground.io.SafeTensorsFile;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.tensor.TensorView;
import dev.jground.nn.OpenCl;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class VerifyTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    @Test void clipVisionTinyPassesEveryOutput() {
        String out = MainTest.run(0, "verify", GOLDEN.resolve("clip-vision-tiny").toString(), "--threads", "2")[0];
        assertTrue(out.contains("out.pooler_output"), out);
        assertFalse(out.contains("FAIL"), out);
        assertTrue(out.endsWith("14 passed, 0 failed, 0 skipped\n"), out);
    }

    @Test void llavaTinyPassesEveryOutputOfTheModel() {
        String out = MainTest.run(0, "verify", GOLDEN.resolve("llava-tiny").toString(), "--threads", "2")[0];
        assertFalse(out.contains("FAIL"), out);
        assertTrue(out.contains("out.generated_ids                        PASS  exact"), out);
        assertTrue(out.contains("out.aas_official_points                  PASS  exact"), out);
        assertTrue(out.endsWith("43 passed, 0 failed, 0 skipped\n"), out);
    }

    @Test void difflmmEncoderTinyPassesEveryOutputFromTheImage() {
        String out = MainTest.run(0, "verify", GOLDEN.resolve("difflmm-encoder-tiny").toString(), "--threads", "2")[0];
        assertTrue(out.startsWith("case difflmm-encoder-tiny: LlavaLlamaForCausalLM (DiffLMM) on cpu"), out);
        assertFalse(out.contains("FAIL"), out);
        for (String o : List.of("out.pixel_values", "out.latents_noisy", "out.encoder_hidden_states", "out.up_ft.3", "out.visual_features"))
            assertTrue(out.contains(String.format("%-40s PASS", o)), out);
        assertTrue(out.endsWith("23 passed, 0 failed, 0 skipped\n"), out);
    }

    /**
     * Issue 8's promise: every golden case passes on OpenCL, the same tolerances as on the CPU
     * (PoCL here and in CI; without a runtime skipped, except under CI, where that is a failure).
     */
    @ParameterizedTest @ValueSource(strings = {"clip-vision-tiny", "llava-tiny", "sam-tiny", "sam-tiny-f16", "unet-tiny",
            "vae-encoder-tiny", "difflmm-encoder-tiny"})
    void everyCasePassesOnOpenCl(String name) {
        try {
            OpenCl.devices();
        } catch (OpenCl.NoRuntimeException e) {
            if (System.getenv("CI") != null) throw new AssertionError("CI is set, so OpenCL must be installed: " + e.getMessage(), e);
            Assumptions.abort("skipped, " + e.getMessage());
        }
        String out = MainTest.run(0, "verify", GOLDEN.resolve(name).toString(), "--backend", "opencl")[0];
        assertTrue(out.startsWith("case " + name + ": ") && out.contains(" on opencl:"), out);
        assertFalse(out.contains("FAIL") || out.contains("SKIP"), out);
        assertTrue(out.matches("(?s).*\\n[1-9][0-9]* passed, 0 failed, 0 skipped\\n"), out);
    }

    /** Every kind jground detects has a runner; a config it cannot place is refused in one line, before any output. */
    @Test void unknownArchitectureIsAOneLineError(@TempDir Path tmp) throws Exception {
        Path src = GOLDEN.resolve("clip-vision-tiny");
        for (String f : List.of("golden.json", "golden.safetensors")) Files.copy(src.resolve(f), tmp.resolve(f));
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"t5\", \"architectures\": [\"T5ForConditionalGeneration\"]}");
        String[] out = MainTest.run(2, "verify", tmp.toString());
        assertEquals("", out[0]);
        assertEquals("jground verify: " + tmp.resolve("config.json") + ": unknown architecture (model_type 't5', architectures"
                + " [T5ForConditionalGeneration]); jground verifies CLIPVisionModel, LlavaForConditionalGeneration,"
                + " LlavaLlamaForCausalLM (DiffLMM), SamModel, UNet2DConditionModel, AutoencoderKL\n", out[1]);
    }

    /** The harness must be able to fail: the same case with one reference value nudged past its tolerance. */
    @Test void aWrongReferenceFails(@TempDir Path tmp) throws Exception {
        Path src = GOLDEN.resolve("clip-vision-tiny"), dst = tmp.resolve("clip-vision-tiny");
        Files.createDirectories(dst);
        for (String f : List.of("config.json", "golden.json", "model.safetensors", "preprocessor_config.json"))
            Files.copy(src.resolve(f), dst.resolve(f));
        try (SafeTensorsFile golden = SafeTensorsFile.open(src.resolve("golden.safetensors"))) {
            List<TensorView> tensors = new ArrayList<>();
            for (String name : golden.names()) {
                TensorView t = golden.tensor(name);
                if (name.equals("out.hidden_states.2")) {
                    float[] v = t.toFloatArray();
                    v[17] += 1e-3f;
                    t = TensorView.of(name, v, t.shape());
                }
                tensors.add(t);
            }
            SafeTensorsWriter.write(dst.resolve("golden.safetensors"), tensors, Map.of());
        }
        String out = MainTest.run(1, "verify", dst.toString())[0];
        assertTrue(out.contains("out.hidden_states.2") && out.contains("FAIL  max abs"), out);
        assertTrue(out.endsWith("13 passed, 1 failed, 0 skipped\n"), out);
    }

    @Test void anOutputNotProducedIsNeverAPass() {
        assertEquals(0, Verify.exitStatus(new Verify.Tally(5, 0, 0)));
        assertEquals(3, Verify.exitStatus(new Verify.Tally(5, 0, 1)));
        assertEquals(3, Verify.exitStatus(new Verify.Tally(0, 0, 0)));
        assertEquals(1, Verify.exitStatus(new Verify.Tally(5, 1, 1)));
    }
}
