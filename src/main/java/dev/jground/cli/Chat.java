package dev.jground.cli;

import dev.jground.image.ClipImageProcessor;
import dev.jground.image.ImageFiles;
import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.config.LlavaConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.llama.Generator;
import dev.jground.model.llama.Sampler;
import dev.jground.model.llava.LlavaForConditionalGeneration;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.text.ChatTemplate;
import dev.jground.text.ImagePrompt;
import dev.jground.text.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code jground chat --model DIR --image IMG [--prompt TEXT] ...}: one question about one
 * image, the answer streamed as it is generated; progress and timings on stderr.
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

        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        Tokenizer tokenizer = ImagePrompt.loadTokenizer(tokenizerFile(o, dir), config.imageTokenIndex());
        RgbImage image = ImageFiles.read(imageFile);
        int[] ids = ImagePrompt.ids(tokenizer, template.prompt(o.get("prompt", DEFAULT_PROMPT)), config.imageTokenIndex());

        try (Backend b = Backends.open(o); Checkpoint checkpoint = Checkpoint.open(dir)) {
            long t0 = System.nanoTime();
            err.printf(Locale.ROOT, "loading %s on %s ...%n", dir, b.name());
            LlavaForConditionalGeneration model = new LlavaForConditionalGeneration(checkpoint, b, config);
            long t1 = System.nanoTime();
            err.printf(Locale.ROOT, "encoding the image (%dx%d) ...%n", image.width(), image.height());
            ClipImageProcessor processor = ClipPreprocessorConfig.load(dir, config.vision().imageSize(), !o.flag("no-pad"));
            int size = config.vision().imageSize();
            Tensor pixels = b.upload(processor.preprocess(image).pixelValues(), 3, size, size);
            Tensor embeds = model.inputsEmbeds(b, ids, model.imageFeatures(b, pixels));
            long t2 = System.nanoTime();
            err.printf(Locale.ROOT, "generating (prompt %d tokens) ...%n", embeds.shape()[0]);
            Tokenizer.StreamDecoder text = tokenizer.streamDecoder(true);
            long[] firstToken = {0};
            List<Integer> answer = new Generator(model.languageModel()).generate(b, embeds, maxTokens, sampler,
                    config.text().eosTokenId(), null, (step, token, logits) -> {
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
