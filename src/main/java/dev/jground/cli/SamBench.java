package dev.jground.cli;

import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.config.SamConfig;
import dev.jground.model.sam.SamMaskDecoder;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.nn.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jground bench sam --sam DIR [--random-from LAYOUT] [--runs R] [--threads T]}: SAM's two
 * costs measured apart: setting an image (preprocess + the ViT image encoder at its full input
 * size), and answering one point prompt, itself in two parts: decoding (prompt encoder and mask
 * decoder, from the image embedding to the low-res masks and IoU predictions) and the masks
 * (upscaled to the image and thresholded). {@code --random-from} first writes random weights of a real layout (a
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
            // A prompt's two costs, each over 30 prompts (a point moving one pixel), the first 10 warm-up:
            // decode = prompt encoder + mask decoder, from the image embedding to the 3 low-res mask
            // logits [3, 256, 256] and their IoU predictions, downloaded; masks = those logits upscaled
            // to the image (1024 x 768), cropped and thresholded into 0/1 masks (SamPredictor.masks)
            SamModel model = predictor.model();
            double[] decode = new double[30], masks = new double[30];
            for (int i = 0; i < decode.length; i++) {
                float[] point = predictor.processor().applyCoords(new float[] {512 + i, 384}, image.height(), image.width());
                long t0 = System.nanoTime();
                SamMaskDecoder.Output d = model.decode(b, predictor.imageEmbeddings(), point, new int[] {1}, null, null, true).decoder();
                b.download(d.lowResMasks());
                long t1 = System.nanoTime();
                predictor.masks(d.lowResMasks());
                long t2 = System.nanoTime();
                decode[i] = (t1 - t0) / 1e6;
                masks[i] = (t2 - t1) / 1e6;
            }
            double[] dec = sorted(decode, 10), post = sorted(masks, 10), enc = sorted(encode, 1);
            out.printf(Locale.ROOT, "prompt decode (point prompt to 3 low-res masks and IoU): %.1f ms (%.1f-%.1f); masks upscaled to"
                            + " 1024x768 and thresholded: %.1f ms (%.1f-%.1f); median (min-max) of the last 20 of 30%n",
                    Bench.median(dec), dec[0], dec[dec.length - 1], Bench.median(post), post[0], post[post.length - 1]);
            out.printf(Locale.ROOT, "sam image=%d threads=%s: %.2f s (%.2f-%.2f over %d runs)%n", c.vision().imageSize(),
                    o.get("threads", "all"), Bench.median(enc), enc[0], enc[enc.length - 1], runs);
        }
        return 0;
    }

    /** The timings from index {@code from} on, sorted. */
    private static double[] sorted(double[] v, int from) {
        double[] s = Arrays.copyOfRange(v, from, v.length);
        Arrays.sort(s);
        return s;
    }
}
