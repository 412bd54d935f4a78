package dev.jground.cli;

import dev.jground.io.SafeTensorsFile;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test void unimplementedModelKindIsReportedNotPassed() {
        String out = MainTest.run(3, "verify", GOLDEN.resolve("difflmm-encoder-tiny").toString())[0];
        assertTrue(out.contains("out.visual_features"), out);
        assertTrue(out.contains("SKIP  LlavaLlamaForCausalLM (DiffLMM) is not implemented yet"), out);
        assertTrue(out.endsWith("0 passed, 0 failed, 23 skipped\n"), out);
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
}
