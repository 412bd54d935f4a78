package dev.jground.cli;

import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.Json;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.model.llava.LlavaLlamaForCausalLM;
import dev.jground.model.llava.LlavaModels;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tiny DiffLMM assembled from the golden cases, as a user's weights/ folder would hold the
 * real one: difflmm/ = llava-tiny's decoder (renamed as LlavaLlamaForCausalLM saves it) +
 * difflmm-encoder-tiny's SDCLIPBlock and config, its CLIP tower (random, 112 px / 14 = the
 * UNet's 8x8 grid, 40 wide) inside it under the Hub name, and stable-diffusion-v1-5/ (the
 * golden's VAE, UNet, scheduler) beside it. chat and ground run it through --model.
 */
class DiffLmmChatTest {
    private static final Path ENCODER = VerifyTest.GOLDEN.resolve("difflmm-encoder-tiny");

    static Path tinyDiffLmm(Path weights) throws Exception {
        Path dir = Files.createDirectories(weights.resolve("difflmm"));
        Map<String, Object> config = new LinkedHashMap<>(JsonObject.parse(ChatTest.CASE.resolve("config.json")).object("text_config").map());
        config.putAll(JsonObject.parse(ENCODER.resolve("config.json")).map());   // architectures, model_type, mm_* keys
        Files.writeString(dir.resolve("config.json"), Json.write(config));
        List<TensorView> tensors = new ArrayList<>();
        try (SafeTensorsFile llava = SafeTensorsFile.open(ChatTest.CASE.resolve("model.safetensors"));
             SafeTensorsFile projector = SafeTensorsFile.open(ENCODER.resolve("model.safetensors"))) {
            for (String n : llava.names()) {
                if (!n.startsWith("language_model.")) continue;
                String name = n.equals("language_model.lm_head.weight") ? "lm_head.weight" : n.replaceFirst("^language_model\\.model\\.", "model.");
                tensors.add(TensorView.of(name, llava.tensor(n).toFloatArray(), llava.tensor(n).shape()));
            }
            for (String n : projector.names()) tensors.add(TensorView.of(n, projector.tensor(n).toFloatArray(), projector.tensor(n).shape()));
        }
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        writeTinyClip(Files.createDirectories(dir.resolve("clip-vit-large-patch14-336")));
        Path sd = Files.createDirectories(weights.resolve("stable-diffusion-v1-5"));
        for (String sub : List.of("unet", "vae", "scheduler")) {
            Files.createDirectories(sd.resolve(sub));
            try (var files = Files.list(ENCODER.resolve(sub))) {
                for (Path f : files.toList()) Files.copy(f, sd.resolve(sub).resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** A 2-layer CLIP vision tower, 40 wide, 112 px in 14 px patches, with small random weights. */
    private static void writeTinyClip(Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "clip_vision_model", "architectures": ["CLIPVisionModel"], "hidden_size": 40, "intermediate_size": 80,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 112, "patch_size": 14, "hidden_act": "quick_gelu"}""");
        SplittableRandom r = new SplittableRandom(3);
        List<TensorView> t = new ArrayList<>();
        String vm = "vision_model.";
        t.add(random(r, vm + "embeddings.class_embedding", 40));
        t.add(random(r, vm + "embeddings.patch_embedding.weight", 40, 3, 14, 14));
        t.add(random(r, vm + "embeddings.position_embedding.weight", 65, 40));
        for (String norm : List.of("pre_layrnorm", "post_layernorm")) { t.add(random(r, vm + norm + ".weight", 40)); t.add(random(r, vm + norm + ".bias", 40)); }
        for (int l = 0; l < 2; l++) {
            String p = vm + "encoder.layers." + l + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                t.add(random(r, p + "self_attn." + proj + ".weight", 40, 40));
                t.add(random(r, p + "self_attn." + proj + ".bias", 40));
            }
            for (String norm : List.of("layer_norm1", "layer_norm2")) { t.add(random(r, p + norm + ".weight", 40)); t.add(random(r, p + norm + ".bias", 40)); }
            t.add(random(r, p + "mlp.fc1.weight", 80, 40));
            t.add(random(r, p + "mlp.fc1.bias", 80));
            t.add(random(r, p + "mlp.fc2.weight", 40, 80));
            t.add(random(r, p + "mlp.fc2.bias", 40));
        }
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
    }

    /** Norm scales 1 + 0.1 N, everything else 0.2 N: activations of order one through both layers. */
    private static TensorView random(SplittableRandom r, String name, int... shape) {
        boolean normScale = name.contains("norm") && name.endsWith(".weight");
        float[] v = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (normScale ? 1 + 0.1 * r.nextGaussian() : 0.2 * r.nextGaussian());
        return TensorView.of(name, v, shape);
    }

    /** The visual tokens go exactly where the image token was; every other row is the token's embedding. */
    @Test void theModelSplicesItsDiffusionTokensAtTheImageToken(@TempDir Path tmp) throws Exception {
        Path dir = tinyDiffLmm(tmp);
        try (CpuBackend b = new CpuBackend(2); LlavaModels.Loaded loaded = LlavaModels.open(dir, b, true)) {
            LlavaLlamaForCausalLM model = assertInstanceOf(LlavaLlamaForCausalLM.class, loaded.model());
            assertEquals(128, model.imageSize());
            assertEquals(8, model.gridSize());
            assertEquals(32064, model.imageTokenIndex());   // the first id past llava-tiny's 32064-token vocabulary
            assertEquals(128, loaded.processor().cropHeight());
            assertTrue(loaded.processor().padToSquare(), "image_aspect_ratio pad");
            RgbImage image = ImageFiles.read(ChatTest.photo(tmp));
            Tensor pixels = b.upload(loaded.processor().preprocess(image).pixelValues(), 3, 128, 128);
            float[] features = b.download(model.imageFeatures(b, pixels));
            assertEquals(64 * 64, features.length);
            assertArrayEquals(features, b.download(model.imageFeatures(b, pixels)), "a fixed seed: the same image, the same tokens");
            int[] ids = {1, 319, 32064, 29871, 13};
            float[] embeds = b.download(model.inputsEmbeds(b, ids, b.upload(features, 64, 64)));
            float[] text = b.download(model.languageModel().embed(b, new int[] {1, 319, 29871, 13}));
            assertEquals((4 + 64) * 64, embeds.length);
            assertArrayEquals(Arrays.copyOfRange(text, 0, 128), Arrays.copyOfRange(embeds, 0, 128));
            assertArrayEquals(features, Arrays.copyOfRange(embeds, 128, 128 + 64 * 64));
            assertArrayEquals(Arrays.copyOfRange(text, 128, 256), Arrays.copyOfRange(embeds, 128 + 64 * 64, embeds.length));
        }
    }

    @Test void chatAnswersWithTheDiffLmm(@TempDir Path tmp) throws Exception {
        Path dir = tinyDiffLmm(tmp);
        String photo = ChatTest.photo(tmp).toString();
        String[] io = MainTest.run(0, "chat", "--model", dir.toString(), "--tokenizer", ChatTest.TOKENIZER, "--image", photo,
                "--max-tokens", "6", "--threads", "2");
        assertFalse(io[0].isBlank(), io[1]);
        // the llava_v1 prompt around one image token, which becomes the 64 visual tokens
        assertTrue(io[1].matches("(?s).*generating \\(prompt \\d+ tokens\\).*"), io[1]);
        String[] again = MainTest.run(0, "chat", "--model", dir.toString(), "--tokenizer", ChatTest.TOKENIZER, "--image", photo,
                "--max-tokens", "6", "--threads", "2");
        assertEquals(io[0], again[0], "greedy decoding on seeded diffusion noise is reproducible");
    }

    @Test void groundRunsTheDiffLmmAndWritesItsResult(@TempDir Path tmp) throws Exception {
        Path dir = tinyDiffLmm(tmp), photo = ChatTest.photo(tmp), out = tmp.resolve("result");
        String[] io = MainTest.run(0, "ground", "--model", dir.toString(), "--tokenizer", ChatTest.TOKENIZER, "--sam", GroundTest.SAM,
                "--image", photo.toString(), "--out", out.toString(), "--max-tokens", "24", "--threads", "2");
        JsonObject r = JsonObject.parse(out.resolve("result.json"));
        assertEquals(dir.toString(), r.string("model"));
        assertTrue(io[0].startsWith(r.string("answer")), io[0]);
        RgbImage image = ImageFiles.read(photo);
        List<?> phrases = (List<?>) r.get("phrases");
        assertFalse(phrases.isEmpty(), "the answer holds noun phrases, each read out of the 8x8 attention: " + r.string("answer"));
        for (Object p : phrases) {
            double[] point = JsonObject.of((Map<String, Object>) p, "phrase").doubleArray("point");
            assertTrue(point[0] >= 0 && point[0] < image.width() && point[1] >= 0 && point[1] < image.height());
        }
    }

    @Test void aMissingTowerIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = tinyDiffLmm(tmp);
        try (var files = Files.walk(dir.resolve("clip-vit-large-patch14-336"))) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
        String err = MainTest.run(2, "chat", "--model", dir.toString(), "--tokenizer", ChatTest.TOKENIZER,
                "--image", ChatTest.photo(tmp).toString())[1];
        // after the progress line that loading started, one line naming what is missing and where it was looked for
        assertTrue(err.endsWith("\njground chat: " + dir.resolve("config.json") + ": mm_vision_sd_clip 'openai/clip-vit-large-patch14-336'"
                + " has no folder 'clip-vit-large-patch14-336' in " + dir + " or beside it (tools/fetch_weights.sh clip-vit-large-patch14-336)\n"), err);
    }
}
