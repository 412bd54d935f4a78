package dev.jground.cli;

import dev.jground.image.ClipImageProcessor;
import dev.jground.image.RgbImage;
import dev.jground.io.config.DdpmSchedulerConfig;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.model.Weights;
import dev.jground.model.difflmm.DiffLmmEncoder;
import dev.jground.model.difflmm.DiffLmmVisionTower;
import dev.jground.model.difflmm.Noise;
import dev.jground.model.difflmm.SdClipBlock;
import dev.jground.model.sd.DdpmScheduler;
import dev.jground.model.sd.UNet2DConditionModel;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jground.cli.UNetRunner.put;
import static dev.jground.cli.UNetRunner.unbatched;

/**
 * difflmm-encoder-tiny: DiffLMM's visual path end to end from the image, every stage compared.
 * The case directory is also the SD directory (vae/, unet/, scheduler/); in.clip_features stand
 * in for the CLIP tower, the two draws are the golden's. The UNet runs all four up blocks, as
 * the official code does, so that each can be compared.
 */
final class DiffLmmRunner implements GoldenRunner {

    @Override public Map<String, TensorView> run(GoldenCase golden, Backend b) throws IOException {
        DiffLmmConfig c = DiffLmmConfig.parse(golden.config());
        Map<String, TensorView> out = new LinkedHashMap<>();
        RgbImage image = Images.fromHwc(golden.tensor("in.image"));
        boolean pad = c.imageAspectRatio().equals("pad");
        Tensor pixels = preprocess(b, DiffLmmVisionTower.imageProcessor(c.mmVisionResolution(), pad), image);
        Tensor pixels384 = preprocess(b, DiffLmmVisionTower.imageProcessor(384, pad), image);
        put(out, golden, b, "out.pixel_values", pixels);
        put(out, golden, b, "out.pixel_values_384", pixels384);
        put(out, golden, b, "out.clip_pixel_values_336", DiffLmmVisionTower.clipPixels(b, pixels384));

        try (DiffLmmVisionTower tower = DiffLmmVisionTower.open(golden.dir(), b, c)) {
            SdClipBlock projector = new SdClipBlock(Weights.of(golden.weights(), b).at("model.mm_projector"), c);
            DiffLmmEncoder encoder = new DiffLmmEncoder(tower, projector, null, c);
            Noise noise = Noise.given(unbatched(b, golden.tensor("in.vae_sample_noise")), unbatched(b, golden.tensor("in.noise")));
            int last = tower.upBlockCount() - 1;
            DiffLmmEncoder.Output o = encoder.encode(b, pixels, unbatched(b, golden.tensor("in.clip_features")), noise, last);
            put(out, golden, b, "out.clip_pixel_values", o.clipPixels());
            put(out, golden, b, "out.latent_mean", o.tower().vae().mean());
            put(out, golden, b, "out.latent_logvar", o.tower().vae().logvar());
            put(out, golden, b, "out.latents", o.tower().latents());
            DdpmScheduler s = new DdpmScheduler(DdpmSchedulerConfig.load(golden.dir().resolve("scheduler/scheduler_config.json")));
            out.put("out.sqrt_alpha_prod", TensorView.of("out.sqrt_alpha_prod", new float[] {s.sqrtAlphaProd(tower.timestep())}, 1));
            out.put("out.sqrt_one_minus_alpha_prod", TensorView.of("out.sqrt_one_minus_alpha_prod",
                    new float[] {s.sqrtOneMinusAlphaProd(tower.timestep())}, 1));
            put(out, golden, b, "out.latents_noisy", o.tower().latentsNoisy());
            put(out, golden, b, "out.encoder_hidden_states", o.encoderHiddenStates());
            UNet2DConditionModel.Output u = o.tower().unet();
            put(out, golden, b, "out.time_embedding", u.timeEmbedding());
            List<Tensor> downs = u.downBlocks(), ups = u.upBlocks();
            for (int i = 0; i < downs.size(); i++) put(out, golden, b, "out.down_block." + i, downs.get(i));
            put(out, golden, b, "out.mid_block", u.midBlock());
            for (int i = 0; i < ups.size(); i++) put(out, golden, b, "out.up_ft." + i, ups.get(i));
            put(out, golden, b, "out.sd_features", o.sdFeatures());
            put(out, golden, b, "out.visual_features", o.visualTokens());
        }
        return out;
    }

    private static Tensor preprocess(Backend b, ClipImageProcessor p, RgbImage image) {
        return b.upload(p.preprocess(image).pixelValues(), 3, p.cropHeight(), p.cropWidth());
    }
}
