package dev.jground.model.llava;

import dev.jground.io.RealLayouts;
import dev.jground.io.TensorSpec;
import dev.jground.io.config.LlavaConfig;
import dev.jground.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LlavaLayoutTest {

    /** The layout derived from llava-1.5-7b-hf's config is the published checkpoint's, tensor for tensor. */
    @Test void matchesThePublishedSevenBillionCheckpoint() {
        Map<String, String> expected = new TreeMap<>(), got = new TreeMap<>();
        for (List<TensorSpec> shard : RealLayouts.manifest(RealLayouts.ROOT.resolve("llava-1.5-7b-hf/tensors.json")).values())
            for (TensorSpec s : shard) expected.put(s.name(), s.dtype() + java.util.Arrays.toString(s.shape()));
        LlavaConfig c = LlavaConfig.load(RealLayouts.ROOT.resolve("llava-1.5-7b-hf/config.json"));
        for (TensorSpec s : LlavaLayout.specs(c, DType.F16)) assertNull(got.put(s.name(), s.dtype() + java.util.Arrays.toString(s.shape())));
        assertEquals(expected, got);
    }
}
