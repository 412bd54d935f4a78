package dev.jground.cli;

import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.config.SamConfig;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.nn.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jground bench sam --sam DIR [--random-from LAYOUT] [--runs R] [--threads T]}: SAM's two
 * costs measured apart: setting an image (preprocess + the ViT image encoder at its full input
 * size) and answering one point prompt (prompt encoder, mask decoder, upscaling the masks to
 * the image). {@code --random-from} first writes random weights of a real layout (a
 * fixtures/real-layouts/sam-vit-* folder: its tensors.json and config.json) into an empty DIR.
 */
final class SamBench {
    private SamBench() {}

    static int run(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse(args, List.of("sam", "random-from", "runs", "threads", "backend", "device"));
        Path dir = Path.of(o.required("sam"));
        int runs = o.integer("runs", 3);
        if (runs < 1) throw new UsageException("--runs must be at least 1, got " + runs);
        if (o.values().containsKey("random-from") && !Files.exists(dir.resolve("config.json"))) {
            Path layout = Path.of(o.get("random-from", ""));
            RandomCheckpoint.write(dir, RandomCheckpoint.fromManifest(layout.resolve("tensors.json")),
                    Files.readString(layout.resolve("config.json")), out);
        }
        SamConfig c = SamConfig.load(dir.resolve("config.json"));
        try (Backend b = Backends.open(o); Checkpoint checkpoint = Checkpoint.open(dir)) {
            out.printf(Locale.ROOT, "sam %s on %s: ViT %d layers, width %d, input %d%n", dir, b.name(),
                    c.vision().numHiddenLayers(), c.vision().hiddenSize(), c.vision().imageSize());
            SamPredictor predictor = new SamPredictor(new SamModel(checkpoint, b, c), b);
            byte[] px = new byte[1024 * 768 * 3];
            new SplittableRandom(3).nextBytes(px);
            RgbImage image = new RgbImage(1024, 768, px);

            double[] encode = new double[runs + 1];
            for (int i = 0; i < encode.length; i++) {
                long t0 = System.nanoTime();
                predictor.setImage(image);
                b.download(predictor.imageEmbeddings());
                encode[i] = (System.nanoTime() - t0) / 1e9;
                out.printf(Locale.ROOT, "  image %d: %.2f s%s%n", i, encode[i], i == 0 ? " (warm-up)" : "");
            }
            // the decoder alone (prompt encoder + two-way transformer + heads, low-res masks), then a
            // whole prompt as the predictor answers it (masks upscaled to the image and thresholded)
            SamModel model = predictor.model();
            double[] decoder = new double[30], prompt = new double[30];
            for (int i = 0; i < decoder.length; i++) {
                float[] point = predictor.processor().applyCoords(new float[] {512 + i, 384}, image.height(), image.width());
                long t0 = System.nanoTime();
                b.download(model.decode(b, predictor.imageEmbeddings(), point, new int[] {1}, null, null, true).decoder().lowResMasks());
                decoder[i] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                predictor.predict(new float[] {512 + i, 384}, new int[] {1}, null, null, true);
                prompt[i] = (System.nanoTime() - t0) / 1e6;
            }
            double enc = Bench.median(java.util.Arrays.copyOfRange(encode, 1, encode.length));
            out.printf(Locale.ROOT, "mask decoder (point prompt, 3 masks at 256x256): %.1f ms; whole prompt with the masks"
                            + " upscaled to 1024x768: %.1f ms (medians of the last 20 of 30)%n",
                    Bench.median(java.util.Arrays.copyOfRange(decoder, 10, decoder.length)),
                    Bench.median(java.util.Arrays.copyOfRange(prompt, 10, prompt.length)));
            out.printf(Locale.ROOT, "sam image=%d threads=%s: %.2f s%n", c.vision().imageSize(), o.get("threads", "all"), enc);
        }
        return 0;
    }
}
