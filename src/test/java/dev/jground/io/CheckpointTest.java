package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    @TempDir Path dir;

    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    private static String entry(String name, String dtype, int bytes, long begin) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + bytes + "],\"data_offsets\":[" + begin + "," + (begin + bytes) + "]}";
    }

    private String fail(Path p) {
        return assertThrows(SafeTensorsException.class, () -> Checkpoint.open(p)).getMessage();
    }

    /** Two U8 shards a(x,y) and b(z) and an index mapping the given names. */
    private Path sharded(String weightMap) throws Exception {
        Path d = Files.createDirectories(dir.resolve("ck"));
        StFiles.raw(d, "s1.safetensors", "{" + entry("x", "U8", 2, 0) + "," + entry("y", "U8", 1, 2) + "}", new byte[] {1, 2, 3});
        StFiles.raw(d, "s2.safetensors", "{" + entry("z", "U8", 1, 0) + "}", new byte[] {9});
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"metadata\":{\"total_size\":4},\"weight_map\":" + weightMap + "}");
        return d;
    }

    @Test void opensAnIndexedDirectory() throws Exception {
        Path d = sharded("{\"z\":\"s2.safetensors\",\"y\":\"s1.safetensors\",\"x\":\"s1.safetensors\"}");
        try (Checkpoint c = Checkpoint.open(d)) {
            assertEquals(d, c.root());
            assertEquals(List.of("x", "y", "z"), c.names());
            assertEquals(2, c.shards().size());
            assertEquals(9, c.tensor("z").getLong(0));
            assertEquals(3, c.tensor("y").getLong(0));
            assertEquals("s1.safetensors", c.shardOf("x").path().getFileName().toString());
            assertEquals(List.of(), c.unindexed());
            assertEquals(d + ": no tensor 'w' (3 tensors in 2 shards)",
                    assertThrows(SafeTensorsException.class, () -> c.tensor("w")).getMessage());
        }
        try (Checkpoint c = Checkpoint.open(d.resolve("model.safetensors.index.json"))) {
            assertEquals(3, c.size());
        }
    }

    @Test void extraTensorsInAShardAreIgnored() throws Exception {
        Path d = sharded("{\"z\":\"s2.safetensors\",\"x\":\"s1.safetensors\"}");
        try (Checkpoint c = Checkpoint.open(d)) {
            assertEquals(List.of("x", "z"), c.names());
            assertFalse(c.has("y"));
            assertEquals(List.of("s1.safetensors: y"), c.unindexed());
            assertTrue(c.shards().getFirst().has("y"));
        }
    }

    @Test void indexNamingATensorItsShardLacks() throws Exception {
        Path d = sharded("{\"z\":\"s1.safetensors\",\"x\":\"s1.safetensors\",\"y\":\"s1.safetensors\"}");
        assertEquals("model.safetensors.index.json puts tensor 'z' in s1.safetensors, which does not hold it ("
                + d.toAbsolutePath().resolve("s1.safetensors") + ")", fail(d));
    }

    @Test void indexNamingAMissingShard() throws Exception {
        Path d = sharded("{\"x\":\"s1.safetensors\",\"q\":\"s9.safetensors\"}");
        String m = fail(d);
        assertTrue(m.startsWith(d.resolve("model.safetensors.index.json") + ": shard s9.safetensors (holding 1 tensors, e.g. 'q') is missing: "), m);
    }

    @Test void malformedIndex() throws Exception {
        Path d = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"weight_map\": [}");
        assertEquals("model.safetensors.index.json:1:17: unexpected '}', expected a value", fail(d));
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
        assertEquals(d.resolve("model.safetensors.index.json") + ": weight_map is missing or empty", fail(d));
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": 3}}");
        assertEquals(d.resolve("model.safetensors.index.json") + ": weight_map['a'] must be a file name, got 3", fail(d));
    }

    @Test void directoryAndFileLookup() throws Exception {
        try (Checkpoint c = Checkpoint.open(GOLDEN.resolve("difflmm-encoder-tiny/unet"))) {
            assertEquals("diffusion_pytorch_model.safetensors", c.shards().getFirst().path().getFileName().toString());
            TensorView conv = c.tensor("conv_in.weight");
            assertEquals(DType.F16, conv.dtype());
            assertArrayEquals(new int[] {24, 4, 3, 3}, conv.shape());
        }
        try (Checkpoint c = Checkpoint.open(GOLDEN.resolve("unet-tiny/model.safetensors"))) {
            assertArrayEquals(new int[] {32, 4, 3, 3}, c.tensor("conv_in.weight").shape());
        }
        assertEquals(dir.resolve("nothing") + ": no such file or directory", fail(dir.resolve("nothing")));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(empty + ": no weights found (looked for model.safetensors.index.json, diffusion_pytorch_model.safetensors.index.json,"
                + " model.safetensors, diffusion_pytorch_model.safetensors, pytorch_model.bin.index.json,"
                + " diffusion_pytorch_model.bin.index.json, pytorch_model.bin, diffusion_pytorch_model.bin)", fail(empty));
        StFiles.raw(empty, "model.fp16.safetensors", "{}", new byte[0]);
        assertTrue(fail(empty).endsWith("; it has model.fp16.safetensors: pass one of them"));
        StFiles.raw(empty, "model.safetensors", "{}", new byte[0]);
        StFiles.raw(empty, "diffusion_pytorch_model.safetensors", "{}", new byte[0]);
        assertEquals(empty + ": holds both model.safetensors and diffusion_pytorch_model.safetensors; pass the file to use", fail(empty));
    }

    /** pytorch_model.bin when there is no safetensors file; safetensors first when both are there (transformers' order). */
    @Test void pytorchBinInADirectory() throws Exception {
        Path d = Files.createDirectories(dir.resolve("bin"));
        TorchZip.write(d.resolve("pytorch_model.bin"), "archive", List.of(new TorchZip.Tensor("w", "ByteStorage", "0", 2, 0, 2)),
                Map.of("0", new byte[] {4, 5}), false);
        try (Checkpoint c = Checkpoint.open(d)) {
            assertEquals(List.of("w"), c.names());
            assertArrayEquals(new long[] {4, 5}, c.tensor("w").toLongArray());
            assertInstanceOf(TorchBinFile.class, c.shardOf("w"));
        }
        StFiles.raw(d, "model.safetensors", "{" + entry("s", "U8", 1, 0) + "}", new byte[] {3});
        try (Checkpoint c = Checkpoint.open(d)) {
            assertEquals(List.of("s"), c.names());
        }
    }

    /** Every golden weights and golden-data file opens; golden.safetensors matches golden.json's listing. */
    @Test void everyGoldenFileOpens() throws Exception {
        List<Path> cases;
        try (var s = Files.list(GOLDEN)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertEquals(7, cases.size());
        for (Path c : cases) {
            JsonObject listing = JsonObject.parse(c.resolve("golden.json")).object("tensors");
            try (SafeTensorsFile g = SafeTensorsFile.open(c.resolve("golden.safetensors"))) {
                assertEquals(listing.keys(), new HashSet<>(g.names()), c.toString());
                for (String n : g.names()) {
                    JsonObject t = listing.object(n);
                    assertArrayEquals(t.intArray("shape"), g.spec(n).shape(), c + " " + n);
                    assertEquals(t.string("dtype"), g.spec(n).dtype().name(), c + " " + n);
                }
            }
            try (Checkpoint m = Checkpoint.open(c)) {
                assertTrue(m.size() > 10, c.toString());
            }
        }
        Map<String, int[]> known = Map.of(
                "llava-tiny/language_model.model.embed_tokens.weight", new int[] {32064, 64},
                "sam-tiny/vision_encoder.pos_embed", new int[] {1, 16, 16, 64},
                "clip-vision-tiny/vision_model.embeddings.patch_embedding.weight", new int[] {48, 3, 12, 12},
                "vae-encoder-tiny/encoder.conv_in.weight", new int[] {16, 3, 3, 3});
        for (var e : known.entrySet()) {
            String[] parts = e.getKey().split("/", 2);
            try (Checkpoint m = Checkpoint.open(GOLDEN.resolve(parts[0]))) {
                assertArrayEquals(e.getValue(), m.tensor(parts[1]).shape(), e.getKey());
            }
        }
        try (Checkpoint m = Checkpoint.open(GOLDEN.resolve("llava-tiny"))) {
            assertEquals(89, m.size());
            assertEquals(DType.F16, m.tensor("language_model.lm_head.weight").dtype());
        }
    }

    /** llava-1.5-7b-hf as published: 3 shards, 686 F16 tensors, 14.1 GB apparent, next to nothing on disk. */
    @Test void realLlavaLayoutFromSparseShards() throws Exception {
        Map<String, List<TensorSpec>> files = RealLayouts.writeSparse("llava-1.5-7b-hf", dir);
        JsonObject weightMap = JsonObject.parse(dir.resolve("model.safetensors.index.json")).object("weight_map");
        long apparent = 0;
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(686, c.size());
            assertEquals(3, c.shards().size());
            assertEquals(weightMap.keys(), Set.copyOf(c.names()));
            long params = 0;
            for (var e : files.entrySet()) {
                for (TensorSpec s : e.getValue()) {
                    TensorSpec got = c.spec(s.name());
                    assertEquals(s.dtype(), got.dtype(), s.name());
                    assertArrayEquals(s.shape(), got.shape(), s.name());
                    assertEquals(e.getKey(), c.shardOf(s.name()).path().getFileName().toString());
                    assertEquals(weightMap.string(s.name()), e.getKey());
                    params += got.numel();
                }
            }
            assertEquals(7_063_427_072L, params);
            for (TensorFile f : c.shards()) apparent += f.fileSize();
            // Past 2 GiB inside shard 1: layers.5.mlp.up_proj lies at data offset 2,500,419,584.
            String far = "language_model.model.layers.5.mlp.up_proj.weight";
            SafeTensorsFile shard = (SafeTensorsFile) c.shardOf(far);
            assertEquals(2_500_419_584L, shard.dataOffset(far));
            TensorView v = c.tensor(far);
            assertArrayEquals(new int[] {11008, 4096}, v.shape());
            assertEquals(0f, v.getFloat(v.numel() - 1));
            assertEquals(0f, c.tensor("language_model.lm_head.weight").getFloat(32064L * 4096 - 1));
        }
        assertTrue(apparent > 14_126_854_144L && apparent < 14_126_854_144L + 200_000, "apparent " + apparent);
        long allocated = 0;
        for (String f : files.keySet()) allocated += SafeTensorsWriterTest.allocatedBytes(dir.resolve(f));
        assertTrue(allocated < 4 << 20, "allocated " + allocated);
    }
}
