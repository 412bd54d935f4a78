package dev.jground.cli;

import dev.jground.io.Checkpoint;
import dev.jground.io.LoraAdapterTest;
import dev.jground.io.TorchZip;
import dev.jground.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.jground.io.LoraAdapterTest.A;
import static dev.jground.io.LoraAdapterTest.B;
import static org.junit.jupiter.api.Assertions.*;

/** convert difflmm on a tiny base (.bin), adapter and non_lora_trainables.bin. */
class ConvertTest {
    @TempDir Path dir;

    private int run(ByteArrayOutputStream err, String... args) {
        return Main.run(List.of(args), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test void mergesLoraAndCopiesTheRest() throws Exception {
        float[] q = new float[12], k = new float[12];
        for (int i = 0; i < 12; i++) { q[i] = i - 6; k[i] = 0.5f * i; }
        Path base = Files.createDirectories(dir.resolve("vicuna"));
        TorchZip.write(base.resolve("pytorch_model.bin"), "archive", List.of(
                new TorchZip.Tensor("model.layers.0.self_attn.q_proj.weight", "HalfStorage", "0", 12, 0, 3, 4),
                new TorchZip.Tensor("model.layers.0.self_attn.k_proj.weight", "HalfStorage", "1", 12, 0, 3, 4),
                new TorchZip.Tensor("model.layers.0.self_attn.rotary_emb.inv_freq", "FloatStorage", "2", 2, 0, 2)),
                Map.of("0", LoraAdapterTest.halves(DType.F16, q), "1", LoraAdapterTest.halves(DType.F16, k), "2", new byte[8]), false);
        Path adapter = LoraAdapterTest.writeAdapter(dir.resolve("lora"));
        Files.writeString(adapter.resolve("config.json"), "{\"model_type\": \"llava_llama\"}");
        TorchZip.write(adapter.resolve("non_lora_trainables.bin"), "archive", List.of(
                new TorchZip.Tensor("base_model.model.model.mm_projector.linear.0.bias", "BFloat16Storage", "0", 2, 0, 2)),
                Map.of("0", LoraAdapterTest.halves(DType.BF16, 1.5f, -3)), false);
        Path out = dir.resolve("out");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(err, "convert", "difflmm", "--base", base.toString(), "--adapter", adapter.toString(),
                "--out", out.toString()), err.toString());
        assertEquals("{\"model_type\": \"llava_llama\"}", Files.readString(out.resolve("config.json")));
        try (Checkpoint c = Checkpoint.open(out)) {
            assertEquals(List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                    "model.mm_projector.linear.0.bias"), c.names());
            float[] merged = c.tensor("model.layers.0.self_attn.q_proj.weight").toFloatArray();
            for (int o = 0; o < 3; o++)
                for (int i = 0; i < 4; i++) {
                    double delta = 0;
                    for (int r = 0; r < 2; r++) delta += B[o * 2 + r] * A[r * 4 + i];
                    assertEquals((float) (q[o * 4 + i] + 6.0 / 2 * delta), merged[o * 4 + i], "[" + o + "," + i + "]");
                }
            assertArrayEquals(k, c.tensor("model.layers.0.self_attn.k_proj.weight").toFloatArray());
            assertEquals(DType.BF16, c.spec("model.mm_projector.linear.0.bias").dtype());
            assertArrayEquals(new float[] {1.5f, -3}, c.tensor("model.mm_projector.linear.0.bias").toFloatArray());
        }
    }

    @Test void adapterForAMissingBaseWeightIsAnError() throws Exception {
        Path base = Files.createDirectories(dir.resolve("vicuna"));
        TorchZip.write(base.resolve("pytorch_model.bin"), "archive",
                List.of(new TorchZip.Tensor("lm_head.weight", "HalfStorage", "0", 1, 0, 1, 1)), Map.of("0", new byte[2]), false);
        Path adapter = LoraAdapterTest.writeAdapter(dir.resolve("lora"));
        Files.writeString(adapter.resolve("config.json"), "{}");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, run(err, "convert", "difflmm", "--base", base.toString(), "--adapter", adapter.toString(),
                "--out", dir.resolve("out").toString()));
        assertEquals("jground convert: " + base + ": the adapter changes 'model.layers.0.self_attn.q_proj.weight', which the base lacks\n",
                err.toString());
        assertFalse(Files.exists(dir.resolve("out/model.safetensors")));
    }
}
