package dev.jground.io;

import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The released .bin checkpoints' real names, dtypes and shapes, as sparse torch.save zips (GBs apparent, KBs on disk). */
class TorchBinRealLayoutsTest {
    @TempDir Path dir;

    private static final Path ROOT = RealLayouts.ROOT;

    /** lmsys/vicuna-7b-v1.5: two shards (9.98 GB and 3.5 GB) and pytorch_model.bin.index.json; shard 1 needs ZIP64. */
    @Test void vicuna7bShardsAndIndex() throws Exception {
        Path layout = ROOT.resolve("vicuna-7b-v1.5");
        Map<String, List<TensorSpec>> files = RealLayouts.writeSparseBin(layout.resolve("tensors.json"), dir);
        Files.copy(layout.resolve("pytorch_model.bin.index.json"), dir.resolve("pytorch_model.bin.index.json"));
        JsonObject weightMap = JsonObject.parse(dir.resolve("pytorch_model.bin.index.json")).object("weight_map");
        long params = 0, apparent = 0, allocated = 0;
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(323, c.size());   // 291 weights + 32 rotary inv_freq buffers of transformers 4.31
            assertEquals(weightMap.keys(), Set.copyOf(c.names()));
            for (var e : files.entrySet())
                for (TensorSpec s : e.getValue()) {
                    TensorSpec got = c.spec(s.name());
                    assertEquals(s.dtype(), got.dtype(), s.name());
                    assertArrayEquals(s.shape(), got.shape(), s.name());
                    assertEquals(e.getKey(), c.shardOf(s.name()).path().getFileName().toString());
                    params += got.numel();
                }
            assertEquals(6_738_417_664L, params);
            String far = "model.layers.23.mlp.down_proj.weight";   // late in shard 1, past 4 GiB
            TorchBinFile shard = (TorchBinFile) c.shardOf(far);
            assertTrue(shard.fileOffset(far) > 1L << 32 && shard.fileOffset(far) < 9_976_548_352L, "offset " + shard.fileOffset(far));
            TensorView v = c.tensor(far);
            assertArrayEquals(new int[] {4096, 11008}, v.shape());
            assertEquals(0f, v.getFloat(v.numel() - 1));
            for (TensorFile f : c.shards()) apparent += f.fileSize();
        }
        assertTrue(apparent > 13_476_835_328L && apparent < 13_476_835_328L + 200_000, "apparent " + apparent);
        for (String f : files.keySet()) allocated += SafeTensorsWriterTest.allocatedBytes(dir.resolve(f));
        assertTrue(allocated < 4 << 20, "allocated " + allocated);
    }

    /** The DiffLMM release: non_lora_trainables.bin, and the adapter as an older peft saves it (adapter_model.bin). */
    @Test void difflmmFilesOpenedExplicitly() throws Exception {
        Path layout = ROOT.resolve("difflmm-llava-v1.5-7b-lora");
        var trainables = RealLayouts.writeSparseBin(layout.resolve("tensors.non_lora_trainables.json"), dir);
        try (Checkpoint c = Checkpoint.open(dir.resolve("non_lora_trainables.bin"))) {
            assertEquals(14, c.size());
            assertEquals(trainables.get("non_lora_trainables.bin").stream().map(TensorSpec::name).toList(), c.names());
            assertArrayEquals(new int[] {1024, 1280, 1, 1}, c.spec("base_model.model.model.mm_projector.sd_proj_layer.0.weight").shape());
        }
        List<TensorSpec> adapter = RealLayouts.manifest(layout.resolve("tensors.json")).get("adapter_model.safetensors");
        Path bin = Files.createDirectories(dir.resolve("adapter"));
        Path manifest = bin.resolve("m.json");
        Files.writeString(manifest, Files.readString(layout.resolve("tensors.json")).replace("adapter_model.safetensors", "adapter_model.bin"));
        RealLayouts.writeSparseBin(manifest, bin);
        try (TorchBinFile f = TorchBinFile.open(bin.resolve("adapter_model.bin"))) {
            assertEquals(448, f.size());
            for (TensorSpec s : adapter) {
                assertEquals(s.dtype(), f.spec(s.name()).dtype(), s.name());
                assertArrayEquals(s.shape(), f.spec(s.name()).shape(), s.name());
            }
        }
    }

    /** openai/clip-vit-large-patch14-336's pytorch_model.bin (F32 and I64 position_ids), 1.7 GB. */
    @Test void clipVitLarge336() throws Exception {
        var files = RealLayouts.writeSparseBin(ROOT.resolve("clip-vit-large-patch14-336/tensors.pytorch_model.bin.json"), dir);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(592, c.size());
            assertEquals(files.get("pytorch_model.bin").stream().map(TensorSpec::name).toList(), c.names());
            assertArrayEquals(new int[] {1, 577}, c.spec("vision_model.embeddings.position_ids").shape());
        }
    }
}
