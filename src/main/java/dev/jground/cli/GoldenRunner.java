package dev.jground.cli;

import dev.jground.io.config.ModelKind;
import dev.jground.nn.Backend;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one kind of model on a golden case's {@code in.*} inputs and returns the {@code out.*}
 * tensors it can produce, named as in golden.safetensors. Model issues register theirs here.
 */
public interface GoldenRunner {

    Map<String, TensorView> run(GoldenCase golden, Backend backend) throws IOException;

    /** The runner for a model kind, if that model has been written yet. */
    static Optional<GoldenRunner> forKind(ModelKind kind) {
        return Optional.ofNullable(Registry.RUNNERS.get(kind));
    }

    /** The architectures that have a runner, by name, for error messages. */
    static String kinds() {
        return String.join(", ", Registry.RUNNERS.keySet().stream().map(ModelKind::humanName).toList());
    }

    final class Registry {
        private Registry() {}

        static final Map<ModelKind, GoldenRunner> RUNNERS = new EnumMap<>(ModelKind.class);

        static {
            RUNNERS.put(ModelKind.CLIP_VISION, new ClipVisionRunner());
            RUNNERS.put(ModelKind.LLAVA, new LlavaRunner());
            RUNNERS.put(ModelKind.SAM, new SamRunner());
            RUNNERS.put(ModelKind.UNET2D_CONDITION, new UNetRunner());
            RUNNERS.put(ModelKind.AUTOENCODER_KL, new VaeEncoderRunner());
            RUNNERS.put(ModelKind.LLAVA_LLAMA_DIFFLMM, new DiffLmmRunner());
        }
    }
}
