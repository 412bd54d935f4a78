package dev.jground.model.sd;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.UNet2DConditionConfig;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class UNet2DConditionModelTest {
    private static final Path CASE = Path.of("src/test/resources/golden/unet-tiny");

    /** get_timestep_embedding in float64: the float version may differ by the rounding of t·f (about 1e-5 at t = 261). */
    private static double[] sinusoid(double t, int dim, boolean flip, int shift) {
        int half = dim / 2;
        double[] out = new double[dim];
        for (int i = 0; i < half; i++) {
            double arg = t * Math.exp(-Math.log(10000) * i / (half - shift));
            out[flip ? half + i : i] = Math.sin(arg);
            out[flip ? i : half + i] = Math.cos(arg);
        }
        return out;
    }

    @Test void theSinusoidPutsCosineFirstWhenFlipped() {
        for (boolean flip : new boolean[] {true, false})
            for (int shift : new int[] {0, 1}) {
                float[] got = TimestepEmbedding.sinusoid(261, 33, flip, shift);
                double[] want = sinusoid(261, 33, flip, shift);
                for (int i = 0; i < 33; i++) assertEquals(want[i], got[i], 3e-5, "flip " + flip + " shift " + shift + " at " + i);
            }
        float[] e = TimestepEmbedding.sinusoid(1, 4, true, 0);   // freqs 1 and 0.01
        assertArrayEquals(new float[] {(float) Math.cos(1), (float) Math.cos(0.01), (float) Math.sin(1), (float) Math.sin(0.01)}, e, 1e-7f);
    }

    /**
     * A latent whose sides are not multiples of 8: each upsampler is forced to the size of the
     * skip the next up block joins (diffusers' forward_upsample_size), 10x6 -> 5x3 -> 3x2 -> 2x1
     * and back.
     */
    @Test void aLatentNotAMultipleOf8UpsamplesToTheSkipSizes() {
        UNet2DConditionConfig c = UNet2DConditionConfig.load(CASE.resolve("config.json"));
        Random r = new Random(7);
        float[] x = new float[4 * 10 * 6], ctx = new float[5 * 32];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < ctx.length; i++) ctx[i] = (float) r.nextGaussian();
        try (CpuBackend b = new CpuBackend(2); Checkpoint checkpoint = Checkpoint.open(CASE)) {
            UNet2DConditionModel unet = new UNet2DConditionModel(checkpoint, b, c);
            UNet2DConditionModel.Output o = unet.forward(b, b.upload(x, 4, 10, 6), 500, b.upload(ctx, 5, 32));
            int[][] up = {{64, 3, 2}, {64, 5, 3}, {48, 10, 6}, {32, 10, 6}};
            for (int i = 0; i < 4; i++) assertArrayEquals(up[i], o.upBlocks().get(i).shape(), "up block " + i);
            assertArrayEquals(new int[] {64, 2, 1}, o.midBlock().shape());
            assertArrayEquals(new int[] {4, 10, 6}, o.sample().shape());
            for (float v : b.download(o.sample())) assertTrue(Float.isFinite(v));
        }
    }

    @Test void unsupportedConfigsAndBadInputsAreNamed() {
        Map<String, Object> m = new LinkedHashMap<>(JsonObject.parse(CASE.resolve("config.json")).map());
        m.put("only_cross_attention", true);
        UNet2DConditionConfig c = UNet2DConditionConfig.parse(JsonObject.of(m));
        try (CpuBackend b = new CpuBackend(1); Checkpoint checkpoint = Checkpoint.open(CASE)) {
            var e = assertThrows(IllegalArgumentException.class, () -> new UNet2DConditionModel(checkpoint, b, c));
            assertTrue(e.getMessage().contains("only_cross_attention"), e.getMessage());
            m.put("only_cross_attention", false);
            m.put("class_embed_type", "timestep");
            UNet2DConditionConfig classes = UNet2DConditionConfig.parse(JsonObject.of(m));
            e = assertThrows(IllegalArgumentException.class, () -> new UNet2DConditionModel(checkpoint, b, classes));
            assertTrue(e.getMessage().contains("class_embed_type=timestep is not supported"), e.getMessage());
            UNet2DConditionModel unet = new UNet2DConditionModel(checkpoint, b, UNet2DConditionConfig.load(CASE.resolve("config.json")));
            Tensor ctx = b.upload(new float[32], 1, 32);
            e = assertThrows(IllegalArgumentException.class, () -> unet.forward(b, b.upload(new float[3 * 64], 3, 8, 8), 1, ctx));
            assertTrue(e.getMessage().contains("is not [4, H, W]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> unet.forward(b, b.upload(new float[4 * 64], 4, 8, 8), 1, ctx, 4));
            assertTrue(e.getMessage().contains("up block 4"), e.getMessage());
        }
    }
}
