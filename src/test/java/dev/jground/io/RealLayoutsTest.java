package dev.jground.io;

import dev.jground.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Sparse copies of real checkpoints: sizes equal to the real files, and old-writer quirks. */
class RealLayoutsTest {
    @TempDir Path dir;

    /** The manifests' size_check: our writer's header is the reference writer's, to the byte. */
    @Test void stableDiffusionFilesHaveTheirRealSizes() throws Exception {
        for (String m : List.of("unet/tensors.json", "unet/tensors.fp16.json", "vae/tensors.json", "vae/tensors.fp16.json")) {
            Path manifest = RealLayouts.ROOT.resolve("stable-diffusion-v1-5").resolve(m);
            long expected = JsonObject.parse(manifest).object("size_check").longValue("sparse_file_bytes");
            var files = RealLayouts.manifest(manifest);
            assertEquals(1, files.size());
            Path out = Files.createDirectories(dir.resolve(m.replace('/', '_')));
            var e = files.entrySet().iterator().next();
            SafeTensorsWriter.writeSparse(out.resolve(e.getKey()), e.getValue(), Map.of("format", "pt"));
            assertEquals(expected, Files.size(out.resolve(e.getKey())), m);
            try (Checkpoint c = Checkpoint.open(out.resolve(e.getKey()))) {
                assertEquals(e.getValue().size(), c.size(), m);
                assertEquals(0, ((SafeTensorsFile) c.shards().getFirst()).dataStart() % 8);
            }
        }
    }

    /** safetensors < 0.3: header unpadded (data at an odd address) and listed in another order than the data. */
    @Test void oldWriterLayoutOfSamVitBase() throws Exception {
        List<TensorSpec> specs = RealLayouts.manifest(RealLayouts.ROOT.resolve("sam-vit-base/tensors.json")).get("model.safetensors");
        assertEquals(314, specs.size());
        Map<String, Object> entries = new LinkedHashMap<>();
        long offset = 0;
        List<String> order = new ArrayList<>();
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (TensorSpec s : specs) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", s.dtype().name());
            entry.put("shape", s.shape());
            entry.put("data_offsets", new long[] {offset, offset + s.byteSize()});
            offset += s.byteSize();
            byName.put(s.name(), entry);
            order.add(s.name());
        }
        Collections.shuffle(order, new Random(7));
        for (String n : order) entries.put(n, byName.get(n));
        String json = Json.write(entries);
        if ((8 + json.length()) % 2 == 0) json += " ";   // force an odd data start
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        Path file = Files.createDirectories(dir.resolve("sam")).resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            raf.write(header);
            raf.setLength(8 + header.length + offset);
        }
        try (Checkpoint c = Checkpoint.open(file.getParent())) {
            assertEquals(specs.stream().map(TensorSpec::name).toList(), c.names());   // data order, not header order
            SafeTensorsFile f = (SafeTensorsFile) c.shards().getFirst();
            assertEquals(1, f.dataStart() % 2);
            assertEquals(Map.of(), f.metadata());
            var pos = c.tensor("vision_encoder.pos_embed");
            assertEquals(DType.F32, pos.dtype());
            assertArrayEquals(new int[] {1, 64, 64, 768}, pos.shape());
            assertEquals(0f, pos.getFloat(pos.numel() - 1));
            long params = 0;
            for (String n : c.names()) params += c.spec(n).numel();
            assertEquals(93_735_728L, params);
        }
    }
}
