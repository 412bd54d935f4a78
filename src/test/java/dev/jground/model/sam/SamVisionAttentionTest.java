package dev.jground.model.sam;

import dev.jground.io.Checkpoint;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.config.SamConfig;
import dev.jground.model.Weights;
import dev.jground.nn.CpuBackend;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SamVisionAttentionTest {

    static SamConfig.Vision config(int window) {
        return new SamConfig.Vision(2, 2, 1, 1, 3, 32, 16, "gelu", 1e-6, true, 8, true, true, window, new int[0], 2);
    }

    /**
     * get_rel_pos resizes a stored table of another length with F.interpolate(mode linear,
     * align_corners False): 3 rows for a 3-token window (which needs 5) give, per row i, the
     * source position max(0, (i + 0.5) · 3/5 - 0.5) = 0, 0.4, 1.0, 1.6, 2.2 -> clamped to row 2.
     */
    @Test void aTableOfAnotherLengthIsInterpolatedAsGetRelPosDoes(@TempDir Path dir) {
        float[] table = {0, 1, 10, 11, 20, 21};   // row r = (10 r, 10 r + 1)
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                TensorView.of("attn.qkv.weight", new float[12], 6, 2), TensorView.of("attn.qkv.bias", new float[6], 6),
                TensorView.of("attn.proj.weight", new float[4], 2, 2), TensorView.of("attn.proj.bias", new float[2], 2),
                TensorView.of("attn.rel_pos_h", table, 3, 2), TensorView.of("attn.rel_pos_w", table, 3, 2)), Map.of());
        try (CpuBackend b = new CpuBackend(1); Checkpoint c = Checkpoint.open(dir)) {
            SamVisionAttention attn = new SamVisionAttention(Weights.of(c, b).at("attn"), config(3), 3);
            assertArrayEquals(new int[] {5, 2}, attn.relPosH().shape());
            assertArrayEquals(new float[] {0, 1, 4, 5, 10, 11, 16, 17, 20, 21}, b.download(attn.relPosH()), 1e-5f);
            SamVisionAttention native2 = new SamVisionAttention(Weights.of(c, b).at("attn"), config(2), 2);
            assertArrayEquals(table, b.download(native2.relPosH()));
        }
    }
}
