package dev.jground.cli;

import dev.jground.image.ClipImageProcessor;
import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.LlavaConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.llama.KvCache;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.model.llava.LlavaForConditionalGeneration;
import dev.jground.model.llava.LlavaLayout;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.DType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jground bench llava --model DIR [--random] [--prompt-tokens 600] [--decode-tokens 16] [--threads T]}:
 * the three costs of a LLaVA answer, measured separately: encoding an image (CLIP + projector),
 * the prompt pass (tokens/s) and decoding (tokens/s), with the weight bytes one decode step reads.
 * {@code --random} first writes the LLaVA-1.5-7B shape with random F16 weights into an empty DIR.
 */
final class LlavaBench {
    private LlavaBench() {}

    static int run(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse(args, List.of("model", "prompt-tokens", "decode-tokens", "threads", "backend", "device"),
                List.of("random"));
        Path dir = Path.of(o.required("model"));
        int promptTokens = o.integer("prompt-tokens", 600), decodeTokens = o.integer("decode-tokens", 16);
        if (promptTokens < 1 || decodeTokens < 1) throw new UsageException("--prompt-tokens and --decode-tokens must be positive");
        if (o.flag("random") && !Files.exists(dir.resolve("config.json"))) writeRandom(dir, out);

        LlavaConfig c = LlavaConfig.load(dir.resolve("config.json"));
        try (Backend b = Backends.open(o); Checkpoint checkpoint = Checkpoint.open(dir)) {
            out.printf(Locale.ROOT, "llava %s on %s%n", dir, b.name());
            LlavaForConditionalGeneration model = new LlavaForConditionalGeneration(checkpoint, b, c);
            LlamaForCausalLM lm = model.languageModel();
            SplittableRandom rnd = new SplittableRandom(7);

            // image: a random photo-sized image through the LLaVA preprocessing, tower and projector
            byte[] px = new byte[640 * 480 * 3];
            rnd.nextBytes(px);
            ClipImageProcessor processor = ClipPreprocessorConfig.load(dir, c.vision().imageSize(), true);
            float[] pixels = processor.preprocess(new RgbImage(640, 480, px)).pixelValues();
            int s = c.vision().imageSize();
            double[] encode = new double[3];
            for (int i = 0; i < encode.length; i++) {
                long t0 = System.nanoTime();
                b.download(model.imageFeatures(b, b.upload(pixels, 3, s, s)));
                encode[i] = (System.nanoTime() - t0) / 1e9;
            }
            out.printf(Locale.ROOT, "image encode (CLIP %dx%d + projector): %.2f s (median of %d after a warm-up)%n",
                    s, s, Bench.median(Arrays.copyOfRange(encode, 1, encode.length)), encode.length - 1);

            // prompt pass, after a short one and a few decode steps to compile both matmul paths
            int[] ids = rnd.ints(promptTokens, 3, c.text().vocabSize()).toArray();
            KvCache warm = lm.newCache(b, 20);
            lm.forward(b, lm.embed(b, Arrays.copyOf(ids, 16)), warm, null, false, null);
            for (int i = 0; i < 4; i++) lm.forward(b, lm.embed(b, new int[] {ids[i % ids.length]}), warm, null, false, null);
            KvCache cache = lm.newCache(b, promptTokens + decodeTokens);
            long t0 = System.nanoTime();
            Tensor logits = lm.forward(b, lm.embed(b, ids), cache, null, false, null);
            b.download(logits);
            double prefill = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "prefill %d tokens: %.1f s, %.2f tokens/s%n", promptTokens, prefill, promptTokens / prefill);

            long decodeBytes = decodeBytes(checkpoint, c);
            long t1 = System.nanoTime();
            for (int i = 0; i < decodeTokens; i++)
                b.download(lm.forward(b, lm.embed(b, new int[] {ids[i % ids.length]}), cache, null, false, null));
            double decode = (System.nanoTime() - t1) / 1e9;
            out.printf(Locale.ROOT, "decode reads %.2f GB of weights a token; at the measured rate that is %.1f GB/s%n",
                    decodeBytes / 1e9, decodeBytes * decodeTokens / decode / 1e9);
            out.printf(Locale.ROOT, "llava prompt=%d decode=%d threads=%s: %.3f tokens/s%n",
                    promptTokens, decodeTokens, o.get("threads", "all"), decodeTokens / decode);
        }
        return 0;
    }

    /** Bytes of every language-model matrix (a decode step streams them all once); embeddings read one row. */
    static long decodeBytes(Checkpoint checkpoint, LlavaConfig c) {
        long bytes = 0;
        for (String name : checkpoint.names())
            if (name.contains("language_model") && !name.contains("embed_tokens")) bytes += checkpoint.tensor(name).data().byteSize();
        return bytes;
    }

    /** The published llava-1.5-7b-hf config.json (its text_config relies on LlamaConfig defaults). */
    static final String CONFIG_7B = """
            {"architectures": ["LlavaForConditionalGeneration"], "ignore_index": -100, "image_token_index": 32000,
             "model_type": "llava", "pad_token_id": 32001, "projector_hidden_act": "gelu",
             "text_config": {"_name_or_path": "lmsys/vicuna-7b-v1.5", "architectures": ["LlamaForCausalLM"],
               "max_position_embeddings": 4096, "model_type": "llama", "rms_norm_eps": 1e-05, "torch_dtype": "float16",
               "vocab_size": 32064},
             "tie_word_embeddings": false, "torch_dtype": "float16",
             "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
               "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
             "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}
            """;

    /** LLaVA-1.5-7B's shape with random F16 weights. */
    static void writeRandom(Path dir, PrintStream out) throws IOException {
        LlavaConfig c = LlavaConfig.parse(JsonObject.parse(CONFIG_7B, "llava-1.5-7b-hf config.json"));
        RandomCheckpoint.write(dir, LlavaLayout.specs(c, DType.F16), CONFIG_7B, out);
    }

}
