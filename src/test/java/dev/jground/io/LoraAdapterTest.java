package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

public class LoraAdapterTest {
    @TempDir Path dir;

    public static final String Q = "base_model.model.model.layers.0.self_attn.q_proj";

    /** Little-endian F16 or BF16 bytes of {@code v}. */
    public static byte[] halves(DType dtype, float... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putShort(dtype == DType.F16 ? Float.floatToFloat16(f) : (short) (Float.floatToIntBits(f) >>> 16));
        return b.array();
    }

    /** A[r=2, in=4] and B[out=3, r=2] in BF16, r 2, alpha 6 (scale 3), targeting q_proj; as adapter_model.bin. */
    public static final float[] A = {1, -0.5f, 0.25f, 2, 0, 1.5f, -1, 0.75f};
    public static final float[] B = {0.5f, 1, -2, 0.25f, 0, -1};

    public static Path writeAdapter(Path d) throws Exception {
        Files.createDirectories(d);
        Files.writeString(d.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "r": 2, "lora_alpha": 6, "fan_in_fan_out": false, "bias": "none",
                 "target_modules": ["q_proj", "v_proj"]}""");
        TorchZip.write(d.resolve("adapter_model.bin"), "archive", List.of(
                new TorchZip.Tensor(Q + ".lora_A.weight", "BFloat16Storage", "0", 8, 0, 2, 4),
                new TorchZip.Tensor(Q + ".lora_B.weight", "BFloat16Storage", "1", 6, 0, 3, 2)),
                Map.of("0", halves(DType.BF16, A), "1", halves(DType.BF16, B)), false);
        return d;
    }

    @Test void mergeIsWPlusScaleTimesBA() throws Exception {
        float[] w = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0, 0, 8};
        try (LoraAdapter lora = LoraAdapter.open(writeAdapter(dir.resolve("a"))); Arena arena = Arena.ofShared()) {
            assertEquals(2, lora.rank());
            assertEquals(3f, lora.scale());
            assertEquals(List.of("model.layers.0.self_attn.q_proj.weight"), List.copyOf(lora.pairs().keySet()));
            TensorView base = new TensorView("model.layers.0.self_attn.q_proj.weight", DType.F16, new int[] {3, 4},
                    MemorySegment.ofArray(halves(DType.F16, w)));
            MemorySegment out = arena.allocate(24);
            lora.merge(base, out);
            TensorView merged = new TensorView("m", DType.F16, new int[] {3, 4}, out);
            for (int o = 0; o < 3; o++)
                for (int i = 0; i < 4; i++) {
                    double delta = 0;
                    for (int k = 0; k < 2; k++) delta += B[o * 2 + k] * A[k * 4 + i];
                    assertEquals((float) (w[o * 4 + i] + 3 * delta), merged.getFloat(o * 4 + i), "[" + o + "," + i + "]");
                }
        }
    }

    @Test void strayAndUntargetedWeightsAreRefused() throws Exception {
        Path d = writeAdapter(dir.resolve("b"));
        Files.writeString(d.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "r": 2, "lora_alpha": 6, "target_modules": ["v_proj"]}""");
        String m = assertThrows(SafeTensorsException.class, () -> LoraAdapter.open(d)).getMessage();
        assertTrue(m.endsWith("'" + Q + ".lora_A.weight' adapts q_proj, not in target_modules [v_proj]"), m);
    }

    @Test void baseNames() {
        assertEquals("model.layers.31.mlp.down_proj.weight", LoraAdapter.baseName("base_model.model.model.layers.31.mlp.down_proj.lora_B.weight"));
        assertThrows(IllegalArgumentException.class, () -> LoraAdapter.baseName("model.layers.0.mlp.down_proj.weight"));
    }

    /** Every adapter tensor of the DiffLMM release names a Vicuna-7B weight, and A [r, in], B [out, r] fit it. */
    @Test void realAdapterNamesMapOntoVicuna() {
        Map<String, TensorSpec> vicuna = new HashMap<>();
        RealLayouts.manifest(RealLayouts.ROOT.resolve("vicuna-7b-v1.5/tensors.json")).values()
                .forEach(l -> l.forEach(s -> vicuna.put(s.name(), s)));
        List<TensorSpec> adapter = RealLayouts.manifest(RealLayouts.ROOT.resolve("difflmm-llava-v1.5-7b-lora/tensors.json"))
                .get("adapter_model.safetensors");
        assertEquals(448, adapter.size());
        java.util.Set<String> bases = new java.util.HashSet<>();
        for (TensorSpec s : adapter) {
            String base = LoraAdapter.baseName(s.name());
            TensorSpec w = vicuna.get(base);
            assertNotNull(w, s.name() + " -> " + base);
            int[] shape = w.shape(), ab = s.shape();
            if (s.name().endsWith(".lora_A.weight")) assertArrayEquals(new int[] {128, shape[1]}, ab, s.name());
            else assertArrayEquals(new int[] {shape[0], 128}, ab, s.name());
            bases.add(base);
        }
        assertEquals(32 * 7, bases.size());
    }
}
