package dev.jground.model.llava;

import dev.jground.io.Checkpoint;
import dev.jground.io.config.ClipVisionConfig;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.io.config.LlamaConfig;
import dev.jground.model.Weights;
import dev.jground.model.clip.ClipVisionModel;
import dev.jground.model.difflmm.DiffLmmEncoder;
import dev.jground.model.difflmm.DiffLmmVisionTower;
import dev.jground.model.difflmm.Noise;
import dev.jground.model.difflmm.SdClipBlock;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DiffLMM (groundLMM llava_llama.py LlavaLlamaForCausalLM with mm_projector_type SDCLIPBlock):
 * the diffusion visual encoder of {@code dev.jground.model.difflmm} feeding a LLaMA decoder.
 * The model directory holds the merged checkpoint ({@code jground convert difflmm}: {@code
 * model.*}, {@code lm_head.*}, {@code model.mm_projector.*}) and its config.json; the frozen
 * towers the config names by Hub id (mm_vision_tower, mm_vision_sd_clip) are folders named
 * after the repository, inside the model directory or beside it (weights/stable-diffusion-v1-5,
 * weights/clip-vit-large-patch14-336); a directory that itself holds unet/ and vae/ is its own
 * SD folder.
 *
 * <p>The official encoder draws its VAE sample and diffusion noise afresh on every image
 * (unseeded); here they come from a fixed seed, so the same image always gives the same tokens.
 */
public final class LlavaLlamaForCausalLM implements LlavaModel, AutoCloseable {
    /** The seed of both draws (difflmm-spec.md step 3: the reference is stochastic, a port takes a seed). */
    public static final long NOISE_SEED = 0;

    private final DiffLmmConfig config;
    private final LlamaForCausalLM languageModel;
    private final DiffLmmEncoder encoder;
    private final Checkpoint clipWeights;
    private final DiffLmmVisionTower tower;

    private LlavaLlamaForCausalLM(Checkpoint checkpoint, Backend b, DiffLmmConfig c, DiffLmmVisionTower tower,
                                  Checkpoint clipWeights, ClipVisionConfig clipConfig) {
        config = c;
        this.tower = tower;
        this.clipWeights = clipWeights;
        Weights root = Weights.of(checkpoint, b);
        languageModel = new LlamaForCausalLM(root.at("model"), root, c.text());
        SdClipBlock projector = new SdClipBlock(root.at("model.mm_projector"), c);
        ClipVisionModel clip = new ClipVisionModel(Weights.of(clipWeights, b).at("vision_model"), clipConfig);
        encoder = new DiffLmmEncoder(tower, projector, clip, c);
    }

    /**
     * The model of {@code dir} with the weights already opened from it; the SD and CLIP weights
     * are opened here and closed by {@link #close}.
     */
    public static LlavaLlamaForCausalLM open(Path dir, Checkpoint checkpoint, Backend b, DiffLmmConfig c) throws IOException {
        Path sd = Files.isDirectory(dir.resolve("unet")) && Files.isDirectory(dir.resolve("vae")) ? dir
                : towerDir(dir, "mm_vision_tower", c.mmVisionTower(), "unet");
        Path clipDir = towerDir(dir, "mm_vision_sd_clip", c.mmVisionSdClip(), "config.json");
        ClipVisionConfig clipConfig = ClipVisionConfig.load(clipDir.resolve("config.json"));
        DiffLmmVisionTower tower = DiffLmmVisionTower.open(sd, b, c);
        Checkpoint clipWeights = null;
        try {
            clipWeights = Checkpoint.open(clipDir);
            return new LlavaLlamaForCausalLM(checkpoint, b, c, tower, clipWeights, clipConfig);
        } catch (RuntimeException e) {
            if (clipWeights != null) clipWeights.close();
            tower.close();
            throw e;
        }
    }

    /** The folder of a Hub repository "owner/name" that holds {@code mustHold}: dir/name, else dir/../name. */
    private static Path towerDir(Path dir, String key, String hubId, String mustHold) throws IOException {
        if (hubId == null) throw new IOException(dir.resolve("config.json") + ": no " + key);
        String name = hubId.substring(hubId.lastIndexOf('/') + 1);
        Path parent = dir.toAbsolutePath().getParent();
        Path inside = dir.resolve(name), beside = parent == null ? inside : parent.resolve(name);
        for (Path p : new Path[] {inside, beside}) if (Files.exists(p.resolve(mustHold))) return p;
        throw new IOException(dir.resolve("config.json") + ": " + key + " '" + hubId + "' has no folder '" + name + "' in " + dir
                + " or beside it (tools/fetch_weights.sh " + name + ")");
    }

    public DiffLmmConfig config() { return config; }

    public DiffLmmEncoder encoder() { return encoder; }

    @Override public LlamaConfig text() { return config.text(); }

    @Override public LlamaForCausalLM languageModel() { return languageModel; }

    /**
     * LLaVA's own code marks the image with the sentinel -200 and never embeds it; the release's
     * Vicuna tokenizer has no {@code <image>}, so jground adds it at the first id past the vocabulary.
     */
    @Override public int imageTokenIndex() { return config.text().vocabSize(); }

    @Override public int imageSize() { return config.mmVisionResolution(); }

    @Override public int gridSize() { return encoder.clip().config().gridSize(); }

    @Override public Tensor imageFeatures(Backend b, Tensor pixels) {
        return encoder.encode(b, pixels, null, Noise.seeded(NOISE_SEED), config.mmVisionSelectLayer()).visualTokens();
    }

    @Override public void close() {
        try {
            clipWeights.close();
        } finally {
            tower.close();
        }
    }
}
