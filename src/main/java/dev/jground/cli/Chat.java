package dev.jground.cli;

import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.JsonObject;
import dev.jground.model.llama.Generator;
import dev.jground.model.llama.Sampler;
import dev.jground.model.llava.LlavaModel;
import dev.jground.model.llava.LlavaModels;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.text.ChatTemplate;
import dev.jground.text.ImagePrompt;
import dev.jground.text.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code jground chat --model DIR --image IMG [--prompt TEXT] ...}: one question about one
 * image, the answer streamed as it is generated; progress and timings on stderr. DIR holds a
 * LLaVA-1.5 or a DiffLMM checkpoint (LlavaModels).
 */
final class Chat {
    private Chat() {}

    static final String DEFAULT_PROMPT = "Describe the image in detail.";

    static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Options o = Options.parse(args, List.of("model", "image", "prompt", "max-tokens", "temperature", "top-p", "seed",
                "template", "tokenizer", "threads", "backend", "device"), List.of("no-pad"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        Path dir = Path.of(o.required("model")), imageFile = Path.of(o.required("image"));
        int maxTokens = o.integer("max-tokens", 256);
        if (maxTokens < 1) throw new UsageException("--max-tokens must be at least 1, got " + maxTokens);
        Sampler sampler = sampler(o);
        ChatTemplate template = ChatTemplate.of(o.get("template", ChatTemplate.LLAVA_V1.id()));

        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new IOException(dir + ": no config.json");
        int imageToken = LlavaModels.imageTokenIndex(JsonObject.parse(configFile));
        Tokenizer tokenizer = ImagePrompt.loadTokenizer(tokenizerFile(o, dir), imageToken);
        RgbImage image = ImageFiles.read(imageFile);
        int[] ids = ImagePrompt.ids(tokenizer, template.prompt(o.get("prompt", DEFAULT_PROMPT)), imageToken);

        try (Backend b = Backends.open(o)) {
            long t0 = System.nanoTime();
            err.printf(Locale.ROOT, "loading %s on %s ...%n", dir, b.name());
            try (LlavaModels.Loaded loaded = LlavaModels.open(dir, b, !o.flag("no-pad"))) {
                LlavaModel model = loaded.model();
                long t1 = System.nanoTime();
                err.printf(Locale.ROOT, "encoding the image (%dx%d) ...%n", image.width(), image.height());
                int size = model.imageSize();
                Tensor pixels = b.upload(loaded.processor().preprocess(image).pixelValues(), 3, size, size);
                Tensor embeds = model.inputsEmbeds(b, ids, model.imageFeatures(b, pixels));
                long t2 = System.nanoTime();
                err.printf(Locale.ROOT, "generating (prompt %d tokens) ...%n", embeds.shape()[0]);
                Tokenizer.StreamDecoder text = tokenizer.streamDecoder(true);
                long[] firstToken = {0};
                List<Integer> answer = new Generator(model.languageModel()).generate(b, embeds, maxTokens, sampler,
                        model.text().eosTokenId(), null, (step, token, logits) -> {
                            if (step == 0) firstToken[0] = System.nanoTime();
                            out.print(text.push(token));
                            out.flush();
                        });
                out.println(text.flush());
                long t3 = System.nanoTime();
                int decoded = answer.size() - 1;
                err.printf(Locale.ROOT, "load %.1f s, image %.2f s, prompt %.2f s (%.1f tokens/s), %d tokens in %.2f s (%.2f tokens/s)%n",
                        sec(t1 - t0), sec(t2 - t1), sec(firstToken[0] - t2), embeds.shape()[0] / sec(firstToken[0] - t2),
                        answer.size(), sec(t3 - t2), decoded > 0 ? decoded / sec(t3 - firstToken[0]) : 0.0);
            }
        }
        return 0;
    }

    static Sampler sampler(Options o) {
        double temperature = Double.parseDouble(o.get("temperature", "0"));
        if (temperature < 0) throw new UsageException("--temperature must not be negative, got " + temperature);
        if (temperature == 0) return Sampler.greedy();
        return new Sampler.TopP((float) temperature, Float.parseFloat(o.get("top-p", "1")), o.integer("seed", 0));
    }

    /** DIR/tokenizer.json or --tokenizer. */
    static Path tokenizerFile(Options o, Path dir) {
        return o.values().containsKey("tokenizer") ? Path.of(o.get("tokenizer", "")) : dir.resolve("tokenizer.json");
    }

    private static double sec(long nanos) { return nanos / 1e9; }
}
