package dev.jground.model.sam;

import dev.jground.io.Checkpoint;
import dev.jground.io.RealLayouts;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.TensorSpec;
import dev.jground.io.config.SamConfig;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.RecordingBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * facebook/sam-vit-{base,large,huge} as published (sparse files with the real header): the
 * whole model is built from the real config.json, every tensor is bound with the shape the
 * config implies, and none is left over. The 1024-pixel encoder is not run here.
 */
class SamRealLayoutsTest {

    @ParameterizedTest
    @ValueSource(strings = {"sam-vit-base", "sam-vit-large", "sam-vit-huge"})
    void theRealCheckpointBuildsTheWholeModel(String layout, @TempDir Path dir) {
        Map<String, List<TensorSpec>> files = RealLayouts.writeSparse(layout, dir);
        SamConfig c = SamConfig.load(dir.resolve("config.json"));
        Set<String> bound = new TreeSet<>();
        try (CpuBackend cpu = new CpuBackend(1); Checkpoint checkpoint = Checkpoint.open(dir)) {
            SamModel model = new SamModel(checkpoint, RecordingBackend.of(cpu, bound), c);
            assertEquals(1024, model.config().vision().imageSize());
            assertEquals(256, model.promptEncoder().maskInputSize());
        }
        bound.add("shared_image_embedding.positional_embedding");   // read on the host, not bound on the backend
        Set<String> all = new TreeSet<>();
        files.values().forEach(specs -> specs.forEach(s -> all.add(s.name())));
        assertEquals(all, bound);
    }

    @Test void theTiedAliasOfThePositionalEmbeddingIsAccepted(@TempDir Path dir) {
        List<TensorSpec> specs = new ArrayList<>();
        for (TensorSpec s : RealLayouts.manifest(RealLayouts.ROOT.resolve("sam-vit-base/tensors.json")).get("model.safetensors"))
            specs.add(s.name().equals("shared_image_embedding.positional_embedding")
                    ? new TensorSpec("prompt_encoder.shared_embedding.positional_embedding", s.dtype(), s.shape()) : s);
        SafeTensorsWriter.writeSparse(dir.resolve("model.safetensors"), specs, Map.of("format", "pt"));
        SamConfig c = SamConfig.load(RealLayouts.ROOT.resolve("sam-vit-base/config.json"));
        try (CpuBackend cpu = new CpuBackend(1); Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertNotNull(new SamModel(checkpoint, cpu, c));
        }
    }

    @Test void aTensorOfTheWrongShapeIsNamed(@TempDir Path dir) throws Exception {
        List<TensorSpec> specs = new ArrayList<>();
        for (TensorSpec s : RealLayouts.manifest(RealLayouts.ROOT.resolve("sam-vit-base/tensors.json")).get("model.safetensors"))
            specs.add(s.name().equals("mask_decoder.transformer.layers.1.mlp.lin1.weight") ? new TensorSpec(s.name(), s.dtype(), new int[] {1024, 256}) : s);
        SafeTensorsWriter.writeSparse(dir.resolve("model.safetensors"), specs, Map.of("format", "pt"));
        Files.copy(RealLayouts.ROOT.resolve("sam-vit-base/config.json"), dir.resolve("config.json"));
        SamConfig c = SamConfig.load(dir.resolve("config.json"));
        try (CpuBackend cpu = new CpuBackend(1); Checkpoint checkpoint = Checkpoint.open(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SamModel(checkpoint, cpu, c));
            assertTrue(e.getMessage().contains("'mask_decoder.transformer.layers.1.mlp.lin1.weight' has shape [1024, 256], config says [2048, 256]"),
                    e.getMessage());
        }
    }
}
