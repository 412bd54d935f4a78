package dev.jground.model.difflmm;

import dev.jground.io.Checkpoint;
import dev.jground.io.RealLayouts;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.TensorSpec;
import dev.jground.io.config.DiffLmmConfig;
import dev.jground.model.Weights;
import dev.jground.model.llava.LlavaModel;
import dev.jground.model.llava.LlavaModels;
import dev.jground.nn.Backend;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.RecordingBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The DiffLMM release (Shengcao1006/difflmm-llava-v1.5-7b-lora) as sparse files: its config and
 * the 14 non-LoRA trainables (the SDCLIPBlock) bind under the names they are saved with and
 * under the names {@code jground convert difflmm} gives them; the vision tower builds on
 * stable-diffusion-v1-5's real unet/, vae/ and scheduler/.
 */
class DiffLmmRealLayoutTest {
    private static final Path LAYOUT = RealLayouts.ROOT.resolve("difflmm-llava-v1.5-7b-lora");
    private static final String SAVED_PREFIX = "base_model.model.model.mm_projector.";

    private static final DiffLmmConfig CONFIG = DiffLmmConfig.load(LAYOUT.resolve("config.json"));

    private static Set<String> bind(Checkpoint checkpoint, String scope) {
        Set<String> bound = new TreeSet<>();
        try (CpuBackend cpu = new CpuBackend(1)) {
            Backend recording = RecordingBackend.of(cpu, bound);
            new SdClipBlock(Weights.of(checkpoint, recording).at(scope), CONFIG);
        }
        return bound;
    }

    @Test void theSavedTrainablesBindEveryTensor(@TempDir Path dir) {
        List<TensorSpec> specs = RealLayouts.writeSparseBin(LAYOUT.resolve("tensors.non_lora_trainables.json"), dir)
                .get("non_lora_trainables.bin");
        try (Checkpoint c = Checkpoint.open(dir.resolve("non_lora_trainables.bin"))) {
            Set<String> bound = bind(c, "base_model.model.model.mm_projector");
            assertEquals(new TreeSet<>(specs.stream().map(TensorSpec::name).toList()), bound);
            assertEquals(14, bound.size());
        }
    }

    /** After the merge the projector sits at model.mm_projector.*, as LlavaLlamaForCausalLM names it. */
    @Test void theConvertedNamesBindEveryTensor(@TempDir Path dir) {
        List<TensorSpec> saved = RealLayouts.manifest(LAYOUT.resolve("tensors.non_lora_trainables.json")).get("non_lora_trainables.bin");
        List<TensorSpec> converted = saved.stream()
                .map(s -> new TensorSpec("model.mm_projector." + s.name().substring(SAVED_PREFIX.length()), s.dtype(), s.shape())).toList();
        SafeTensorsWriter.writeSparse(dir.resolve("model.safetensors"), converted, Map.of("format", "pt"));
        try (Checkpoint c = Checkpoint.open(dir.resolve("model.safetensors"))) {
            assertEquals(new TreeSet<>(converted.stream().map(TensorSpec::name).toList()), bind(c, "model.mm_projector"));
        }
    }

    /** SD-1.5's F16 UNet, F32 VAE and scheduler config as dir/{unet,vae,scheduler}. */
    private static void writeStableDiffusion(Path dir) throws IOException {
        Path sd = RealLayouts.ROOT.resolve("stable-diffusion-v1-5");
        for (String model : List.of("unet", "vae")) {
            Path to = Files.createDirectories(dir.resolve(model));
            String manifest = model.equals("unet") ? "tensors.fp16.json" : "tensors.json";
            List<TensorSpec> specs = RealLayouts.manifest(sd.resolve(model).resolve(manifest)).values().iterator().next();
            SafeTensorsWriter.writeSparse(to.resolve("diffusion_pytorch_model.safetensors"), specs, Map.of("format", "pt"));
            Files.copy(sd.resolve(model + "/config.json"), to.resolve("config.json"));
        }
        Files.createDirectories(dir.resolve("scheduler"));
        Files.copy(sd.resolve("scheduler/scheduler_config.json"), dir.resolve("scheduler/scheduler_config.json"));
    }

    /** The released config on SD-1.5: cross_attention_dim 768 takes the 768-wide caption. */
    @Test void theVisionTowerBuildsOnStableDiffusion15(@TempDir Path dir) throws IOException {
        writeStableDiffusion(dir);
        try (CpuBackend b = new CpuBackend(1); DiffLmmVisionTower tower = DiffLmmVisionTower.open(dir, b, CONFIG)) {
            assertEquals(4, tower.upBlockCount());
            assertEquals(100, tower.timestep());
            assertEquals(384, tower.imageProcessor().cropHeight());
            assertTrue(tower.imageProcessor().padToSquare());
        }
    }

    /**
     * The whole released model as weights/ would hold it after {@code jground convert difflmm}:
     * difflmm-7b/ (Vicuna-7B's tensors and the projector under its converted names, one file),
     * stable-diffusion-v1-5/ and clip-vit-large-patch14-336/ (the real CLIPModel pytorch_model.bin)
     * beside it. Every decoder and projector tensor binds; the grid is CLIP-336/14's 24x24.
     */
    @Test void theWholeReleaseOpensAsALlavaModel(@TempDir Path weights) throws IOException {
        Path dir = Files.createDirectories(weights.resolve("difflmm-7b"));
        List<TensorSpec> specs = new ArrayList<>();
        for (List<TensorSpec> shard : RealLayouts.manifest(RealLayouts.ROOT.resolve("vicuna-7b-v1.5/tensors.json")).values())
            for (TensorSpec s : shard) if (!s.name().endsWith(".rotary_emb.inv_freq")) specs.add(s);   // convert drops the buffers
        for (TensorSpec s : RealLayouts.manifest(LAYOUT.resolve("tensors.non_lora_trainables.json")).get("non_lora_trainables.bin"))
            specs.add(new TensorSpec("model.mm_projector." + s.name().substring(SAVED_PREFIX.length()), s.dtype(), s.shape()));
        SafeTensorsWriter.writeSparse(dir.resolve("model.safetensors"), specs, Map.of("format", "pt"));
        Files.copy(LAYOUT.resolve("config.json"), dir.resolve("config.json"));
        writeStableDiffusion(Files.createDirectories(weights.resolve("stable-diffusion-v1-5")));
        Path clip = Files.createDirectories(weights.resolve("clip-vit-large-patch14-336"));
        RealLayouts.writeSparseBin(RealLayouts.ROOT.resolve("clip-vit-large-patch14-336/tensors.pytorch_model.bin.json"), clip);
        Files.copy(RealLayouts.ROOT.resolve("clip-vit-large-patch14-336/config.json"), clip.resolve("config.json"));

        Set<String> bound = new TreeSet<>();
        try (CpuBackend cpu = new CpuBackend(1); LlavaModels.Loaded loaded = LlavaModels.open(dir, RecordingBackend.of(cpu, bound), true)) {
            LlavaModel m = loaded.model();
            assertEquals(24, m.gridSize());
            assertEquals(576, m.numPatches());
            assertEquals(384, m.imageSize());
            assertEquals(32000, m.imageTokenIndex());
            assertEquals(32, m.languageModel().layers());
        }
        Set<String> model = new TreeSet<>(specs.stream().map(TensorSpec::name).toList());
        Set<String> modelBound = new TreeSet<>(bound);
        modelBound.retainAll(model);
        assertEquals(model, modelBound, "every tensor of the converted checkpoint is read");
        assertTrue(bound.contains("vision_model.encoder.layers.22.mlp.fc2.weight"), "CLIP's penultimate layer is bound");
        assertTrue(bound.contains("up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_k.weight"), "the UNet through up block 1");
    }
}
