package dev.jground.cli;

import dev.jground.io.Checkpoint;
import dev.jground.io.TensorSpec;
import dev.jground.io.config.AutoencoderKLConfig;
import dev.jground.io.config.UNet2DConditionConfig;
import dev.jground.model.sd.AutoencoderKL;
import dev.jground.model.sd.UNet2DConditionModel;
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
import java.util.Random;
import java.util.function.Supplier;

/**
 * {@code jground bench unet} and {@code jground bench vae}: DiffLMM's Stable Diffusion costs.
 * The UNet at a latent size (48: DiffLMM's 384-pixel input) with a context of N tokens (576,
 * what DiffLMM feeds it), timed through up block 1 (all DiffLMM reads; the model exits there)
 * and whole; the VAE encoder (and quant_conv) on a size × size image. {@code --random-from}
 * first writes random weights of a real layout (a fixtures/real-layouts/stable-diffusion-v1-5
 * unet or vae folder: its tensors.json, F32 as published, and config.json) into an empty DIR;
 * {@code --dtype f16} writes them in F16 (the fp16 variant's dtype) instead. The peer is PyTorch on the same
 * shapes, {@code tools/sd_peer_bench.py}, whose command each bench prints.
 */
final class SdBench {
    private SdBench() {}

    private static final List<String> COMMON = List.of("random-from", "dtype", "warmup", "runs", "threads", "backend", "device");

    static int unet(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse(args, concat("unet", "latent", "context"));
        Timing t = Timing.of(o);
        int latent = positive(o, "latent", 48), tokens = positive(o, "context", 576);
        Path dir = Path.of(o.required("unet"));
        randomWeights(o, dir, out);
        UNet2DConditionConfig c = UNet2DConditionConfig.load(dir.resolve("config.json"));
        try (Backend b = open(o); Checkpoint checkpoint = Checkpoint.open(dir)) {
            UNet2DConditionModel unet = new UNet2DConditionModel(checkpoint, b, c);
            out.printf(Locale.ROOT, "unet %s on %s: channels %s, sample [%d, %d, %d], context [%d, %d]%n", dir, b.name(),
                    Arrays.toString(c.blockOutChannels()), c.inChannels(), latent, latent, tokens, c.crossAttentionDim());
            Random rnd = new Random(5);
            Tensor sample = b.upload(gaussian(rnd, c.inChannels() * latent * latent), c.inChannels(), latent, latent);
            Tensor context = b.upload(gaussian(rnd, tokens * c.crossAttentionDim()), tokens, c.crossAttentionDim());
            int last = Math.min(1, unet.upBlockCount() - 1);
            // timestep 100: any value costs the same; DiffLMM's own is in its config
            double[] early = t.run("through up block " + last, out, () -> b.download(unet.forward(b, sample, 100f, context, last).upBlocks().get(last)));
            double[] whole = t.run("whole", out, () -> b.download(unet.forward(b, sample, 100f, context).sample()));
            out.printf(Locale.ROOT, "peer: /usr/bin/python3 tools/sd_peer_bench.py unet --latent %d --context %d --threads %s --warmup %d --runs %d%n",
                    latent, tokens, o.get("threads", "2"), t.warmup, t.runs);
            out.printf(Locale.ROOT, "unet latent=%d context=%d threads=%s: through up block %d %.2f s (min %.2f), whole %.2f s (min %.2f)%n",
                    latent, tokens, o.get("threads", "2"), last, Bench.median(early), min(early), Bench.median(whole), min(whole));
        }
        return 0;
    }

    static int vae(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse(args, concat("vae", "size"));
        Timing t = Timing.of(o);
        int size = positive(o, "size", 384);
        Path dir = Path.of(o.required("vae"));
        randomWeights(o, dir, out);
        AutoencoderKLConfig c = AutoencoderKLConfig.load(dir.resolve("config.json"));
        try (Backend b = open(o); Checkpoint checkpoint = Checkpoint.open(dir)) {
            AutoencoderKL vae = new AutoencoderKL(checkpoint, b, c);
            out.printf(Locale.ROOT, "vae encoder %s on %s: channels %s, pixels [%d, %d, %d]%n", dir, b.name(),
                    Arrays.toString(c.blockOutChannels()), c.inChannels(), size, size);
            Tensor pixels = b.upload(gaussian(new Random(5), c.inChannels() * size * size), c.inChannels(), size, size);
            double[] enc = t.run("encoder", out, () -> b.download(vae.encode(b, pixels).moments()));
            out.printf(Locale.ROOT, "peer: /usr/bin/python3 tools/sd_peer_bench.py vae --size %d --threads %s --warmup %d --runs %d%n",
                    size, o.get("threads", "2"), t.warmup, t.runs);
            out.printf(Locale.ROOT, "vae size=%d threads=%s: encoder %.2f s (min %.2f)%n", size, o.get("threads", "2"), Bench.median(enc), min(enc));
        }
        return 0;
    }

    /** Warm-up passes, then timed ones: each printed, the timed ones returned (seconds). */
    private record Timing(int warmup, int runs) {
        static Timing of(Options o) {
            int warmup = o.integer("warmup", 1), runs = o.integer("runs", 3);
            if (warmup < 0) throw new UsageException("--warmup must be at least 0, got " + warmup);
            if (runs < 1) throw new UsageException("--runs must be at least 1, got " + runs);
            return new Timing(warmup, runs);
        }

        double[] run(String what, PrintStream out, Supplier<float[]> pass) {
            double[] times = new double[runs];
            for (int i = 0; i < warmup + runs; i++) {
                long t0 = System.nanoTime();
                pass.get();
                double s = (System.nanoTime() - t0) / 1e9;
                if (i >= warmup) times[i - warmup] = s;
                out.printf(Locale.ROOT, "  %s %d: %.2f s%s%n", what, i, s, i < warmup ? " (warm-up)" : "");
            }
            return times;
        }
    }

    /** With --random-from and no config.json in DIR yet: the layout's tensors, random, in the chosen dtype. */
    private static void randomWeights(Options o, Path dir, PrintStream out) throws IOException {
        String dtype = o.get("dtype", "f32");
        DType d = switch (dtype) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            default -> throw new UsageException("--dtype must be f32 or f16, got '" + dtype + "'");
        };
        if (!o.values().containsKey("random-from")) {
            if (o.values().containsKey("dtype")) throw new UsageException("--dtype applies to --random-from only");
            return;
        }
        if (Files.exists(dir.resolve("config.json"))) return;
        Path layout = Path.of(o.get("random-from", ""));
        List<TensorSpec> specs = RandomCheckpoint.fromManifest(layout.resolve("tensors.json")).stream()
                .map(s -> new TensorSpec(s.name(), d, s.shape())).toList();
        RandomCheckpoint.write(dir, specs, Files.readString(layout.resolve("config.json")), out);
    }

    /** Two threads unless told: the targets are set at 2. */
    private static Backend open(Options o) {
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>(o.values());
        values.putIfAbsent("threads", "2");
        return Backends.open(new Options(values, o.flags(), o.positional()));
    }

    private static List<String> concat(String... own) {
        return java.util.stream.Stream.concat(Arrays.stream(own), COMMON.stream()).toList();
    }

    private static int positive(Options o, String name, int def) {
        int v = o.integer(name, def);
        if (v < 1) throw new UsageException("--" + name + " must be at least 1, got " + v);
        return v;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElseThrow(); }
}
