package dev.jground.model.difflmm;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.model.Weights;
import dev.jground.nn.ClContext;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.OpenClBackend;
import dev.jground.nn.OpenClTests;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The encoder as DiffLMM runs it (stopping after the selected up block) on difflmm-encoder-tiny,
 * the CLIP input it makes, and what it refuses. The full stage-by-stage comparison is
 * {@code jground verify} (VerifyTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiffLmmEncoderTest {
    private static final Path CASE = Path.of("src/test/resources/golden/difflmm-encoder-tiny");

    private CpuBackend b;
    private SafeTensorsFile golden;
    private Checkpoint weights;
    private Map<String, Object> config;

    @BeforeAll void open() {
        b = new CpuBackend(2);
        golden = SafeTensorsFile.open(CASE.resolve("golden.safetensors"));
        weights = Checkpoint.open(CASE.resolve("model.safetensors"));
        config = new HashMap<>(JsonObject.parse(CASE.resolve("config.json")).map());
    }

    @AfterAll void close() {
        weights.close();
        golden.close();
        b.close();
    }

    private DiffLmmConfig config() { return DiffLmmConfig.parse(JsonObject.of(config, "config.json")); }

    private DiffLmmConfig config(String key, Object value) {
        Map<String, Object> m = new HashMap<>(config);
        m.put(key, value);
        return DiffLmmConfig.parse(JsonObject.of(m, "config.json"));
    }

    private Tensor unbatched(String name) {
        TensorView v = golden.tensor(name);
        return b.upload(v.toFloatArray(), Arrays.copyOfRange(v.shape(), 1, v.shape().length));
    }

    /** golden.json's rule for this case: |actual - expected| <= 5e-5 + 4e-5 |expected|. */
    private void assertMatches(String name, Tensor actual) {
        float[] e = golden.tensor(name).toFloatArray(), a = b.download(actual);
        assertEquals(e.length, a.length, name);
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], 5e-5 + 4e-5 * Math.abs(e[i]), name + " element " + i);
    }

    @Test void theEncoderStopsAfterUpBlock1AndMatchesTheReference() {
        DiffLmmConfig c = config();
        try (DiffLmmVisionTower tower = DiffLmmVisionTower.open(CASE, b, c)) {
            DiffLmmEncoder encoder = new DiffLmmEncoder(tower, new SdClipBlock(Weights.of(weights, b).at("model.mm_projector"), c), null, c);
            Noise noise = Noise.given(unbatched("in.vae_sample_noise"), unbatched("in.noise"));
            DiffLmmEncoder.Output o = encoder.encode(b, unbatched("out.pixel_values"), unbatched("in.clip_features"), noise, 0);
            assertEquals(2, o.tower().unet().upBlocks().size(), "up blocks 2 and 3 are not run");
            assertNull(o.tower().unet().sample());
            assertMatches("out.sd_features", o.sdFeatures());
            assertMatches("out.visual_features", o.visualTokens());
        }
    }

    /**
     * A constant channel stays constant through the bilinear resize; a ramp along the width
     * samples source column (j + 0.5) · 8/7 - 0.5 (align_corners False). Each value then becomes
     * (x · 0.5 + 0.5 - CLIP_MEAN) / CLIP_STD.
     */
    @Test void theClipInputIsTheSdInputResizedTo7EighthsAndRenormalised() {
        float[] x = new float[3 * 8 * 8];
        for (int i = 0; i < 64; i++) {
            x[i] = i % 8;          // red: the column index
            x[64 + i] = -1.5f;     // green, blue: constants
            x[128 + i] = 2f;
        }
        float[] out = b.download(DiffLmmVisionTower.clipPixels(b, b.upload(x, 3, 8, 8)));
        assertEquals(3 * 7 * 7, out.length);
        double[] mean = {0.48145466, 0.4578275, 0.40821073}, std = {0.26862954, 0.26130258, 0.27577711};
        for (int y = 0; y < 7; y++)
            for (int j = 0; j < 7; j++) {
                int i = y * 7 + j;
                double column = (j + 0.5) * 8 / 7 - 0.5;
                assertEquals((column * 0.5 + 0.5 - mean[0]) / std[0], out[i], 1e-5);
                assertEquals((-1.5 * 0.5 + 0.5 - mean[1]) / std[1], out[49 + i], 1e-5);
                assertEquals((2 * 0.5 + 0.5 - mean[2]) / std[2], out[98 + i], 1e-5);
            }
    }

    /** On OpenCL the resize and renormalisation stay on the device: only the [3] scale and shift go up, nothing comes back. */
    @Test void theClipInputIsMadeOnTheDevice() {
        float[] x = new float[3 * 8 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (i * 37 % 101) / 50f - 1;
        float[] want = b.download(DiffLmmVisionTower.clipPixels(b, b.upload(x, 3, 8, 8)));
        try (OpenClBackend cl = OpenClTests.openOrSkip()) {
            Tensor pixels = cl.upload(x, 3, 8, 8);
            ClContext.Transfers before = cl.stats();
            Tensor clip = DiffLmmVisionTower.clipPixels(cl, pixels);
            ClContext.Transfers after = cl.stats();
            assertEquals(2, after.uploads() - before.uploads());
            assertEquals(2 * 3 * Float.BYTES, after.uploadBytes() - before.uploadBytes());
            assertEquals(0, after.downloads() - before.downloads());
            assertArrayEquals(new int[] {3, 7, 7}, clip.shape());
            assertArrayEquals(want, cl.download(clip), 1e-5f);
        }
    }

    @Test void whatThePortDoesNotRunIsRefusedByName() {
        assertEquals("mm_vision_sd_implicit_caption false (a text prompt through SD's text encoder) is not supported;"
                        + " DiffLMM's release uses the implicit caption",
                assertThrows(IllegalArgumentException.class,
                        () -> DiffLmmVisionTower.open(CASE, b, config("mm_vision_sd_implicit_caption", false))).getMessage());
        assertEquals("mm_vision_sd_ensemble_size 8 is not supported (DiffLMM's release uses 1)",
                assertThrows(IllegalArgumentException.class,
                        () -> DiffLmmVisionTower.open(CASE, b, config("mm_vision_sd_ensemble_size", 8L))).getMessage());
        assertEquals("timestep 1000 is outside the schedule's 0..999",
                assertThrows(IllegalArgumentException.class,
                        () -> DiffLmmVisionTower.open(CASE, b, config("mm_vision_sd_timestep", 1000L))).getMessage());
        assertEquals(CASE.resolve("unet/config.json") + ": cross_attention_dim 32, but the implicit caption is"
                        + " mm_vision_sd_clip_proj_out 24 wide",
                assertThrows(IllegalArgumentException.class,
                        () -> DiffLmmVisionTower.open(CASE, b, config("mm_vision_sd_clip_proj_out", 24L))).getMessage());
        assertEquals("mm_projector_type 'mlp2x_gelu' is not DiffLMM's (SDCLIPBlock)",
                assertThrows(IllegalArgumentException.class,
                        () -> new SdClipBlock(Weights.of(weights, b).at("model.mm_projector"), config("mm_projector_type", "mlp2x_gelu")))
                        .getMessage());
        DiffLmmConfig c = config();
        try (DiffLmmVisionTower tower = DiffLmmVisionTower.open(CASE, b, c)) {
            DiffLmmEncoder encoder = new DiffLmmEncoder(tower, new SdClipBlock(Weights.of(weights, b).at("model.mm_projector"), c), null, c);
            assertEquals("no CLIP tower loaded and no CLIP features given", assertThrows(IllegalStateException.class,
                    () -> encoder.encode(b, unbatched("out.pixel_values"), null, Noise.seeded(1), 1)).getMessage());
        }
    }
}
