package dev.jground.model.difflmm;

import dev.jground.image.ClipImageProcessor;
import dev.jground.io.Checkpoint;
import dev.jground.io.config.AutoencoderKLConfig;
import dev.jground.io.config.DdpmSchedulerConfig;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.io.config.UNet2DConditionConfig;
import dev.jground.model.sd.AutoencoderKL;
import dev.jground.model.sd.DdpmScheduler;
import dev.jground.model.sd.UNet2DConditionModel;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * DiffLMM's vision tower (groundLMM sd_encoder.py SDCLIPVisionTower, SDCLIPFeaturizer and
 * OneStepSDPipeline) over a Stable Diffusion directory with diffusers' {@code vae/},
 * {@code unet/} and {@code scheduler/}: the image processor (spec step 1), the CLIP input made
 * from the SD input (step 4.1), and one noised UNet pass (steps 2, 3, 5). Its weights are all
 * frozen SD-1.5; the trained parts live in {@link SdClipBlock}. The CLIP tower itself is the
 * caller's: this class takes its patch features.
 */
public final class DiffLmmVisionTower implements AutoCloseable {

    /** Every stage, without the batch dimension; unet holds the up blocks that ran. */
    public record Output(AutoencoderKL.Output vae, Tensor latents, Tensor latentsNoisy, UNet2DConditionModel.Output unet) {}

    private final Checkpoint vaeWeights, unetWeights;
    private final AutoencoderKL vae;
    private final DdpmScheduler scheduler;
    private final UNet2DConditionModel unet;
    private final ClipImageProcessor imageProcessor;
    private final int timestep;

    private DiffLmmVisionTower(Checkpoint vaeWeights, Checkpoint unetWeights, Backend b, Path sdDir, DiffLmmConfig c) {
        this.vaeWeights = vaeWeights;
        this.unetWeights = unetWeights;
        if (!c.mmVisionSdImplicitCaption())
            throw new IllegalArgumentException("mm_vision_sd_implicit_caption false (a text prompt through SD's text encoder)"
                    + " is not supported; DiffLMM's release uses the implicit caption");
        if (c.mmVisionSdEnsembleSize() != 1)
            throw new IllegalArgumentException("mm_vision_sd_ensemble_size " + c.mmVisionSdEnsembleSize()
                    + " is not supported (DiffLMM's release uses 1)");
        vae = new AutoencoderKL(vaeWeights, b, AutoencoderKLConfig.load(sdDir.resolve("vae/config.json")));
        UNet2DConditionConfig unetConfig = UNet2DConditionConfig.load(sdDir.resolve("unet/config.json"));
        if (unetConfig.crossAttentionDim() != c.mmVisionSdClipProjOut())
            throw new IllegalArgumentException(sdDir.resolve("unet/config.json") + ": cross_attention_dim "
                    + unetConfig.crossAttentionDim() + ", but the implicit caption is mm_vision_sd_clip_proj_out "
                    + c.mmVisionSdClipProjOut() + " wide");
        unet = new UNet2DConditionModel(unetWeights, b, unetConfig);
        // sd_encoder.py builds a DDIMScheduler from SD's scheduler config; only its betas matter for add_noise
        scheduler = new DdpmScheduler(DdpmSchedulerConfig.load(sdDir.resolve("scheduler/scheduler_config.json")));
        timestep = c.mmVisionSdTimestep();
        scheduler.alphaCumprod(timestep);   // refuses a timestep outside the schedule now, not at the first image
        imageProcessor = imageProcessor(c.mmVisionResolution(), c.imageAspectRatio().equals("pad"));
    }

    /** The tower over {@code sdDir}/{vae,unet,scheduler}; closing it closes the weights it opened. */
    public static DiffLmmVisionTower open(Path sdDir, Backend b, DiffLmmConfig c) {
        Checkpoint vae = Checkpoint.open(sdDir.resolve("vae"));
        try {
            Checkpoint unet = Checkpoint.open(sdDir.resolve("unet"));
            try {
                return new DiffLmmVisionTower(vae, unet, b, sdDir, c);
            } catch (RuntimeException e) {
                unet.close();
                throw e;
            }
        } catch (RuntimeException e) {
            vae.close();
            throw e;
        }
    }

    /**
     * sd_encoder.py passes mean/std to CLIPImageProcessor under names it does not take, so the
     * OpenAI CLIP mean and std stay: the VAE sees CLIP-normalised pixels and the pad colour is
     * the CLIP mean (spec step 1; the released weights were trained on exactly this). Padding to
     * a square is image_aspect_ratio 'pad' (llava/mm_utils.py process_images).
     */
    public static ClipImageProcessor imageProcessor(int resolution, boolean padToSquare) {
        int r = resolution;
        return new ClipImageProcessor(r, r, r, 1 / 255.0, ClipImageProcessor.CLIP_MEAN, ClipImageProcessor.CLIP_STD, padToSquare);
    }

    public ClipImageProcessor imageProcessor() { return imageProcessor; }

    public int timestep() { return timestep; }

    public int upBlockCount() { return unet.upBlockCount(); }

    /**
     * SDCLIPFeaturizer.sd_to_clip_img: pixels [3, H, W] resized bilinearly (align_corners False,
     * no antialias) to 7/8 of each side (384 -> 336, the 24x24 patch grid of CLIP-336/14), then
     * x * 0.5 + 0.5 and (x - CLIP_MEAN) / CLIP_STD. The SD input was already CLIP-normalised, so
     * CLIP sees it normalised twice (spec step 4.1): reproduced as the release ran it.
     */
    public static Tensor clipPixels(Backend b, Tensor pixels) {
        int[] s = pixels.shape();
        if (s.length != 3 || s[0] != 3) throw new IllegalArgumentException("pixels " + Arrays.toString(s) + " are not [3, H, W]");
        int h = s[1] * 7 / 8, w = s[2] * 7 / 8;
        // (x * 0.5 + 0.5 - mean[c]) / std[c] as one per-channel affine, on the device (no round trip
        // through the host): channels-last, so each token is a row the [3] scale and shift broadcast over
        float[] mean = ClipImageProcessor.CLIP_MEAN, std = ClipImageProcessor.CLIP_STD, scale = new float[3], shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 0.5f / std[c];
            shift[c] = (0.5f - mean[c]) / std[c];
        }
        Tensor tokens = b.transpose(b.reshape(b.upsampleBilinear(pixels, h, w, false), 3, h * w), 3, h * w);
        Tensor y = b.add(b.mul(tokens, b.upload(scale, 3)), b.upload(shift, 3));
        return b.reshape(b.transpose(y, h * w, 3), 3, h, w);
    }

    /**
     * OneStepSDPipeline.__call__: latents = latent_dist.sample() x scaling_factor, noised at the
     * config's timestep, one UNet pass with the implicit caption as context [S,
     * cross_attention_dim], through up block {@code lastUpBlock} only (spec step 5: DiffLMM reads
     * one up block; the later ones are discarded and need not run).
     */
    public Output forward(Backend b, Tensor pixels, Tensor context, Noise noise, int lastUpBlock) {
        AutoencoderKL.Output e = vae.encode(b, pixels);
        Tensor latents = vae.latents(b, e.mean(), e.logvar(), noise.next(b, e.mean().shape()));
        Tensor noisy = scheduler.addNoise(b, latents, noise.next(b, latents.shape()), timestep);
        return new Output(e, latents, noisy, unet.forward(b, noisy, timestep, context, lastUpBlock));
    }

    @Override public void close() {
        try {
            unetWeights.close();
        } finally {
            vaeWeights.close();
        }
    }
}
