package dev.jground.model.difflmm;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.model.Weights;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SDCLIPBlock on a 2x2 grid with weights chosen so that every output is a known number: the
 * linears select or copy their inputs, so what is left is GELU at a few points (x Φ(x), Φ the
 * standard normal CDF from the table: Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208),
 * the LayerNorm of two channels (±1 up to eps) and the positional rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdClipBlockTest {
    private static final double PHI1 = 0.8413447460685429, PHI2 = 0.9772498680518208;
    /** GELU(x) = x Φ(x) at the points the test uses. */
    private static final double G0 = 0, G1 = PHI1, GM1 = -(1 - PHI1), G2 = 2 * PHI2, GM2 = -2 * (1 - PHI2);

    // hidden 4 -> the conv makes 4 / 4 = 1 channel; up block 1 has 2 channels; CLIP is 2 wide; 4 tokens
    private static final String CONFIG = """
            {"hidden_size": 4, "num_attention_heads": 1, "mm_projector_type": "SDCLIPBlock", "mm_hidden_size": [3, 2, 3, 3, 2],
             "mm_vision_select_layer": 1, "mm_vision_sd_clip_proj_in": 2, "mm_vision_sd_clip_proj_out": 2,
             "mm_vision_sd_concat_clip": %s, "mm_vision_sd_pe": %d}""";

    private CpuBackend b;
    private final List<Checkpoint> opened = new ArrayList<>();

    @BeforeAll void open() { b = new CpuBackend(1); }

    @AfterAll void close() {
        opened.forEach(Checkpoint::close);
        b.close();
    }

    private static TensorView t(String name, float[] v, int... shape) { return TensorView.of("model.mm_projector." + name, v, shape); }

    /** Every linear copies (or selects) its inputs; only the biases and tables add something. */
    private static List<TensorView> weights(boolean concat, boolean pe) {
        List<TensorView> w = new ArrayList<>();
        w.add(t("clip_projector.0.weight", new float[] {1, 0, 0, 1}, 2, 2));
        w.add(t("clip_projector.0.bias", new float[] {0, 0}, 2));
        w.add(t("clip_projector.2.weight", new float[] {1, 0, 0, 1}, 2, 2));
        w.add(t("clip_projector.2.bias", new float[] {0, 0.25f}, 2));
        w.add(t("sd_norm_layer.weight", new float[] {2, 1}, 2));
        w.add(t("sd_norm_layer.bias", new float[] {0, 5}, 2));
        w.add(t("sd_proj_layer.0.weight", new float[] {1, 0}, 1, 2, 1, 1));   // channel 0 of the normalised map
        w.add(t("sd_proj_layer.0.bias", new float[] {0}, 1));
        if (concat) w.add(t("linear.0.weight", new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, 4, 3));   // [sd, c0, c1, 0]
        else w.add(t("linear.0.weight", new float[] {1, 0, 0, 0}, 4, 1));
        w.add(t("linear.0.bias", new float[] {0, 0, 0, 0}, 4));
        w.add(t("linear.2.weight", new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 4, 4));
        w.add(t("linear.2.bias", new float[] {0, 0, 0, 0.5f}, 4));
        if (pe) {
            w.add(t("clip_pe", new float[] {0, 10, 0, 20, 0, 30, 0, 40}, 4, 2));
            w.add(t("vt_pe", new float[] {0, 0, 0, 100, 0, 0, 0, 200, 0, 0, 0, 300, 0, 0, 0, 400}, 4, 4));
        }
        return w;
    }

    private SdClipBlock block(Path dir, boolean concat, int pe) {
        Path file = dir.resolve("model.safetensors");
        SafeTensorsWriter.write(file, weights(concat, pe > 0), Map.of());
        DiffLmmConfig c = DiffLmmConfig.parse(JsonObject.parse(CONFIG.formatted(concat, pe), "config.json"));
        Checkpoint checkpoint = Checkpoint.open(file);   // the CPU backend reads the mapping itself: open until the end
        opened.add(checkpoint);
        return new SdClipBlock(Weights.of(checkpoint, b).at("model.mm_projector"), c);
    }

    private static void assertClose(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        // float rounding: a few ulps of the largest term (the table rows reach 400)
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "element " + i);
    }

    /** Four CLIP tokens [x0, x1]: GELU, then clip_projector.2's bias on channel 1, then clip_pe row k. */
    @Test void implicitCaptionIsTheProjectedClipTokensPlusTheirTableRow(@TempDir Path dir) {
        SdClipBlock block = block(dir, true, 4);
        Tensor clip = b.upload(new float[] {1, 0, 2, -1, -2, 1, 0, 2}, 4, 2);
        double[] expected = {G1, 10 + G0 + 0.25, G2, 20 + GM1 + 0.25, GM2, 30 + G1 + 0.25, G0, 40 + G2 + 0.25};
        assertClose(expected, b.download(block.implicitCaption(b, clip)));
    }

    /**
     * Two channels (a, b) at a position normalise to ±1 ((a - b) / 2 over its own magnitude;
     * eps 1e-5 moves that by under 1e-9 at |a - b| = 200); the affine weight 2 makes ±2, and the
     * conv keeps channel 0.
     */
    @Test void sdFeaturesAreTheGeluOfTheConvOfTheChannelLayerNorm(@TempDir Path dir) {
        SdClipBlock block = block(dir, true, 4);
        // channel 0 then channel 1, each a 2x2 map
        Tensor up = b.upload(new float[] {100, -100, 50, 3, -100, 100, -150, 203}, 2, 2, 2);
        double[] expected = {G2, GM2, G2, GM2};
        assertClose(expected, b.download(block.sdFeatures(b, up)));
    }

    /**
     * Token k is grid position (k / 2, k % 2) with its SD channel first, then its two CLIP
     * channels; after the copying MLP each becomes GELU(value), the last column is the bias 0.5
     * plus vt_pe's row k.
     */
    @Test void visualTokensConcatenateSdThenClipPerPositionRowMajorAndAddVtPe(@TempDir Path dir) {
        SdClipBlock block = block(dir, true, 4);
        Tensor sd = b.upload(new float[] {1, 2, -1, 0}, 1, 2, 2);   // [[1, 2], [-1, 0]]
        Tensor clip = b.upload(new float[] {0, 1, 2, 0, -2, -1, 1, 1}, 4, 2);
        double[] expected = {
                G1, G0, G1, 100.5,
                G2, G2, G0, 200.5,
                GM1, GM2, GM1, 300.5,
                G0, G1, G1, 400.5};
        float[] tokens = b.download(block.visualTokens(b, sd, clip));
        assertClose(expected, tokens);
    }

    /** mm_vision_sd_pe 0 and concat_clip false: no tables, and the MLP sees the SD channel alone. */
    @Test void withoutTablesOrClipTheTokensAreTheMlpOfTheSdChannel(@TempDir Path dir) {
        SdClipBlock block = block(dir, false, 0);
        Tensor sd = b.upload(new float[] {1, 2, -1, 0}, 1, 2, 2);
        double[] expected = {G1, 0, 0, 0.5, G2, 0, 0, 0.5, GM1, 0, 0, 0.5, G0, 0, 0, 0.5};
        assertClose(expected, b.download(block.visualTokens(b, sd, null)));
        Tensor clip = b.upload(new float[] {1, 0, 2, -1, -2, 1, 0, 2}, 4, 2);
        assertClose(new double[] {G1, G0 + 0.25, G2, GM1 + 0.25, GM2, G1 + 0.25, G0, G2 + 0.25}, b.download(block.implicitCaption(b, clip)));
    }

    @Test void mismatchedGridsAndTablesAreRefusedByName(@TempDir Path dir) {
        SdClipBlock block = block(dir, true, 4);
        Tensor sd = b.upload(new float[9], 1, 3, 3);
        Tensor clip = b.upload(new float[8], 4, 2);
        assertEquals("SDCLIPBlock: 4 CLIP tokens for a 3x3 SD feature map",
                assertThrows(IllegalArgumentException.class, () -> block.visualTokens(b, sd, clip)).getMessage());
        Tensor clip9 = b.upload(new float[18], 9, 2);
        assertEquals("SDCLIPBlock: clip_pe has 4 rows for 9 tokens",
                assertThrows(IllegalArgumentException.class, () -> block.implicitCaption(b, clip9)).getMessage());
        assertEquals("SDCLIPBlock: vt_pe has 4 rows for 9 tokens",
                assertThrows(IllegalArgumentException.class, () -> block.visualTokens(b, sd, clip9)).getMessage());
    }
}
