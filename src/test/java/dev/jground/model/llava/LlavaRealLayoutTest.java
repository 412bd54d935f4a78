package dev.jground.model.llava;

import dev.jground.io.Checkpoint;
import dev.jground.io.RealLayouts;
import dev.jground.io.config.LlavaConfig;
import dev.jground.model.llama.KvCache;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * llava-hf/llava-1.5-7b-hf as published (3 F16 shards, the real names and shapes, its config
 * relying on transformers' defaults), as sparse files whose data reads as zeros: the model binds
 * every tensor it needs and runs one decode step over all 13.5 GB of mapped weights.
 */
class LlavaRealLayoutTest {

    @Test void sevenBillionLayoutLoadsAndDecodesOneToken(@TempDir Path dir) throws Exception {
        RealLayouts.writeSparse("llava-1.5-7b-hf", dir);
        LlavaConfig c = LlavaConfig.load(dir.resolve("config.json"));
        assertEquals(32, c.text().numHiddenLayers());
        assertEquals(576, c.vision().numPatches());
        try (Checkpoint checkpoint = Checkpoint.open(dir); CpuBackend b = new CpuBackend(2)) {
            LlavaForConditionalGeneration model = new LlavaForConditionalGeneration(checkpoint, b, c);
            assertEquals(c.vision().numHiddenLayers() - 1, model.featureLayer());
            LlamaForCausalLM lm = model.languageModel();
            KvCache cache = lm.newCache(b, 2);
            Tensor logits = lm.forward(b, lm.embed(b, new int[] {1}), cache, null, false, null);
            assertArrayEquals(new int[] {1, 32064}, logits.shape());
            assertEquals(1, cache.length());
            // zero weights: every logit is exactly 0 (RMSNorm of zeros is zeros, not NaN)
            for (float v : b.download(logits)) assertEquals(0f, v);
        }
    }
}
