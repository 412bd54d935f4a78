package dev.jground.cli;

import dev.jground.io.RealLayouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class InfoTest {
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Info.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test void goldenClipVision() {
        Result r = run("src/test/resources/golden/clip-vision-tiny");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("config.json: CLIPVisionModel, model_type clip_vision_model, architectures [CLIPVisionModel]"), r.out());
        // 71 tensors, 91,856 F32 parameters = 367,424 bytes; file 375,384 bytes, data at 8 + 7,952.
        assertTrue(r.out().contains("model.safetensors  (375,384 bytes, data at byte 7,960, metadata format=pt)"), r.out());
        assertTrue(r.out().contains("  71 tensors, 91,856 parameters, 367,424 bytes"), r.out());
        assertTrue(r.out().strip().endsWith("total: 71 tensors, 91,856 parameters, 367,424 bytes"), r.out());
        String row = r.out().lines().filter(l -> l.contains("vision_model.embeddings.patch_embedding.weight")).findFirst().orElseThrow();
        assertTrue(row.matches(" +vision_model\\.embeddings\\.patch_embedding\\.weight +F32 +\\[48, 3, 12, 12] +20,736"), row);
    }

    @Test void realLlavaLayoutIsTidy() {
        RealLayouts.writeSparse("llava-1.5-7b-hf", dir);
        Result r = run(dir.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().endsWith(": 3 shards, 686 tensors"), lines.getFirst());
        assertTrue(r.out().contains("config.json: LlavaForConditionalGeneration, model_type llava"));
        assertEquals("total: 686 tensors, 7,063,427,072 parameters, 14,126,854,144 bytes", lines.getLast());
        List<String> rows = lines.stream().filter(l -> l.contains(" F16 ")).toList();
        assertEquals(686, rows.size());
        // Columns line up within a shard: the dtype starts at the same column on every row of shard 1.
        List<String> shard1 = lines.subList(lines.indexOf(lines.stream().filter(l -> l.startsWith("model-00001")).findFirst().orElseThrow()),
                lines.indexOf(lines.stream().filter(l -> l.startsWith("model-00002")).findFirst().orElseThrow()));
        long columns = shard1.stream().filter(l -> l.contains(" F16 ")).map(l -> l.indexOf(" F16 ")).distinct().count();
        assertEquals(1, columns);
        String lmHead = lines.stream().filter(l -> l.contains("language_model.lm_head.weight")).findFirst().orElseThrow();
        assertTrue(lmHead.matches(" +language_model\\.lm_head\\.weight +F16 +\\[32064, 4096] +131,334,144"), lmHead);
    }

    @Test void errorsAreOneLineWithExitCode2() throws Exception {
        Result missing = run(dir.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertEquals("jground info: " + dir.resolve("nope") + ": no such file or directory\n", missing.err());
        assertEquals("", missing.out());

        Result empty = run(dir.toString());
        assertEquals(2, empty.code());
        assertTrue(empty.err().startsWith("jground info: " + dir + ": no weights found"), empty.err());
        assertEquals(1, empty.err().lines().count());

        Files.write(dir.resolve("model.safetensors"), new byte[3]);
        Result broken = run(dir.toString());
        assertEquals(2, broken.code());
        assertEquals("jground info: model.safetensors: file is 3 bytes, too short to hold the 8-byte header length\n", broken.err());

        assertEquals(2, run().code());
        assertEquals(2, run("a", "b").code());
        Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("usage: jground info"));
    }
}
