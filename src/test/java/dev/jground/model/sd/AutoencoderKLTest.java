package dev.jground.model.sd;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.config.AutoencoderKLConfig;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The VAE's mid-attention under each of its names and shapes, and what the port refuses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutoencoderKLTest {
    private static final Path CASE = Path.of("src/test/resources/golden/vae-encoder-tiny");
    private static final String ATTN = "encoder.mid_block.attentions.0.";
    private static final Map<String, String> NEW_NAMES = Map.of("query", "to_q", "key", "to_k", "value", "to_v", "proj_attn", "to_out.0");

    private CpuBackend b;
    private AutoencoderKLConfig config;
    private float[] pixels;

    @BeforeAll void open() {
        b = new CpuBackend(2);
        config = AutoencoderKLConfig.load(CASE.resolve("config.json"));
        try (SafeTensorsFile golden = SafeTensorsFile.open(CASE.resolve("golden.safetensors"))) {
            pixels = golden.tensor("in.pixel_values").toFloatArray();
        }
    }

    @AfterAll void close() { b.close(); }

    private float[] moments(Path weights) {
        try (Checkpoint checkpoint = Checkpoint.open(weights)) {
            AutoencoderKL vae = new AutoencoderKL(checkpoint, b, config);
            return b.download(vae.encode(b, b.upload(pixels, 3, 64, 96)).moments());
        }
    }

    /** The case's weights with the mid attention renamed to diffusers' new names, its projections stored as [C, C] or [C, C, 1, 1]. */
    private static Path renamed(Path dir, boolean convShapes) {
        List<TensorView> out = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(CASE.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                TensorView t = f.tensor(n);
                String name = n;
                for (Map.Entry<String, String> e : NEW_NAMES.entrySet())
                    if (n.startsWith(ATTN + e.getKey() + ".")) name = ATTN + e.getValue() + n.substring((ATTN + e.getKey()).length());
                int[] shape = convShapes && t.rank() == 2 && !name.equals(n) ? new int[] {t.dim(0), t.dim(1), 1, 1} : t.shape();
                out.add(TensorView.of(name, t.toFloatArray(), shape));
            }
        }
        Path file = dir.resolve(convShapes ? "conv.safetensors" : "new.safetensors");
        SafeTensorsWriter.write(file, out, Map.of("format", "pt"));
        return file;
    }

    @Test void newNamesAndConvShapedProjectionsGiveTheSameLatents(@TempDir Path dir) {
        float[] legacy = moments(CASE.resolve("model.safetensors"));
        assertArrayEquals(legacy, moments(renamed(dir, false)));
        assertArrayEquals(legacy, moments(renamed(dir, true)));
    }

    @Test void theScaledMeanIsTheMeanTimesTheScalingFactor() {
        try (Checkpoint checkpoint = Checkpoint.open(CASE)) {
            AutoencoderKL vae = new AutoencoderKL(checkpoint, b, config);
            AutoencoderKL.Output o = vae.encode(b, b.upload(pixels, 3, 64, 96));
            assertArrayEquals(new int[] {4, 8, 12}, o.mean().shape());
            float[] mean = b.download(o.mean()), scaled = b.download(vae.scaledMean(b, o));
            for (int i = 0; i < mean.length; i++) assertEquals(mean[i] * 0.18215f, scaled[i]);
        }
    }

    @Test void anUnsupportedBlockTypeIsNamed() {
        Map<String, Object> m = new LinkedHashMap<>(JsonObject.parse(CASE.resolve("config.json")).map());
        m.put("down_block_types", List.of("DownEncoderBlock2D", "AttnDownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"));
        AutoencoderKLConfig c = AutoencoderKLConfig.parse(JsonObject.of(m));
        try (Checkpoint checkpoint = Checkpoint.open(CASE)) {
            var e = assertThrows(IllegalArgumentException.class, () -> new AutoencoderKL(checkpoint, b, c));
            assertTrue(e.getMessage().contains("AttnDownEncoderBlock2D"), e.getMessage());
        }
    }
}
