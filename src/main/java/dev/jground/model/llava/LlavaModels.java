package dev.jground.model.llava;

import dev.jground.image.ClipImageProcessor;
import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.io.config.LlavaConfig;
import dev.jground.io.config.ModelKind;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.difflmm.DiffLmmVisionTower;
import dev.jground.nn.Backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model directory as the {@link LlavaModel} its config.json describes: LLaVA-1.5 or DiffLMM. */
public final class LlavaModels {
    private LlavaModels() {}

    /** The model, the image processor made for it, and the weights it reads (closed with it). */
    public record Loaded(LlavaModel model, ClipImageProcessor processor, Checkpoint checkpoint) implements AutoCloseable {
        @Override public void close() {
            try {
                if (model instanceof LlavaLlamaForCausalLM d) d.close();   // its SD and CLIP weights
            } finally {
                checkpoint.close();
            }
        }
    }

    /** Whether a config.json is one of the models {@link #open} takes. */
    public static boolean isLlavaModel(ModelKind kind) { return kind == ModelKind.LLAVA || kind == ModelKind.LLAVA_LLAMA_DIFFLMM; }

    /** The image token id of the model a config.json describes, known before any weight is read. */
    public static int imageTokenIndex(JsonObject config) {
        return ModelKind.detect(config) == ModelKind.LLAVA_LLAMA_DIFFLMM ? DiffLmmConfig.parse(config).text().vocabSize()
                : LlavaConfig.parse(config).imageTokenIndex();
    }

    /**
     * The model of {@code dir}; padToSquare false turns LLaVA's expand2square off (for DiffLMM
     * it applies only when its config asks for it, image_aspect_ratio 'pad').
     */
    public static Loaded open(Path dir, Backend b, boolean padToSquare) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new IOException(dir + ": no config.json");
        JsonObject json = JsonObject.parse(file);
        ModelKind kind = ModelKind.detect(json);
        if (!isLlavaModel(kind))
            throw new IllegalArgumentException(dir + " holds " + (kind == ModelKind.UNKNOWN ? "an unknown model" : "a " + kind.humanName()
                    + " checkpoint") + ", expected " + ModelKind.LLAVA.humanName() + " or " + ModelKind.LLAVA_LLAMA_DIFFLMM.humanName());
        Checkpoint checkpoint = Checkpoint.open(dir);
        try {
            if (kind == ModelKind.LLAVA) {
                LlavaConfig c = LlavaConfig.parse(json);
                ClipImageProcessor p = ClipPreprocessorConfig.load(dir, c.vision().imageSize(), padToSquare);
                return new Loaded(new LlavaForConditionalGeneration(checkpoint, b, c), p, checkpoint);
            }
            DiffLmmConfig c = DiffLmmConfig.parse(json);
            ClipImageProcessor p = DiffLmmVisionTower.imageProcessor(c.mmVisionResolution(),
                    padToSquare && c.imageAspectRatio().equals("pad"));
            return new Loaded(LlavaLlamaForCausalLM.open(dir, checkpoint, b, c), p, checkpoint);
        } catch (IOException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }
}
