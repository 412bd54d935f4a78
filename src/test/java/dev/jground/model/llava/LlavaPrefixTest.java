package dev.jground.model.llava;

import dev.jground.io.Checkpoint;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.config.LlavaConfig;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.nn.CpuBackend;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** transformers >= 4.52 saves LLaVA under model.language_model.*, model.vision_tower.*, lm_head: the same model. */
class LlavaPrefixTest {
    static final Path CASE = Path.of("src/test/resources/golden/llava-tiny");

    static String renamed(String name) {
        if (name.startsWith("language_model.model.")) return "model.language_model." + name.substring("language_model.model.".length());
        if (name.equals("language_model.lm_head.weight")) return "lm_head.weight";
        return "model." + name;
    }

    @Test void newerPrefixesGiveTheSameLogits(@TempDir Path dir) throws Exception {
        List<TensorView> tensors = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(CASE.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                TensorView t = f.tensor(n);
                tensors.add(new TensorView(renamed(n), t.dtype(), t.shape(), t.data()));
            }
            SafeTensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        }
        Files.copy(CASE.resolve("config.json"), dir.resolve("config.json"));
        LlavaConfig c = LlavaConfig.load(CASE.resolve("config.json"));
        int[] ids = {1, 3148, 1001, 29901};
        try (CpuBackend b = new CpuBackend(1); Checkpoint oldLayout = Checkpoint.open(CASE); Checkpoint newLayout = Checkpoint.open(dir)) {
            float[] a0 = logits(b, new LlavaForConditionalGeneration(oldLayout, b, c), ids);
            float[] a = logits(b, new LlavaForConditionalGeneration(oldLayout, b, c), ids);
            assertArrayEquals(a0, a, "same model twice");
            float[] n = logits(b, new LlavaForConditionalGeneration(newLayout, b, c), ids);
            assertArrayEquals(a, n);
            assertNotEquals(0f, a[5]);
        }
    }

    static float[] logits(CpuBackend b, LlavaForConditionalGeneration m, int[] ids) {
        LlamaForCausalLM lm = m.languageModel();
        return b.download(lm.forward(b, lm.embed(b, ids), lm.newCache(b, ids.length), null, true, null));
    }
}
