package dev.jground.cli;

import dev.jground.io.PageCache;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.TensorSpec;
import dev.jground.kernel.Parallel;
import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A checkpoint of a real model's shape with random weights, for benchmarks: matrices uniform
 * with variance 1 / fan-in and norm scales 1, so activations stay O(1) (no denormals, no
 * overflow) and the kernels do the work they would on the real weights.
 */
final class RandomCheckpoint {
    private RandomCheckpoint() {}

    /** Writes DIR/model.safetensors and DIR/config.json; DIR must be empty or absent. */
    static void write(Path dir, List<TensorSpec> specs, String configJson, PrintStream out) throws IOException {
        Files.createDirectories(dir);
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) throw new IOException(dir + ": random weights are written into an empty directory only");
        }
        long bytes = specs.stream().mapToLong(TensorSpec::byteSize).sum();
        out.printf(Locale.ROOT, "writing %d random tensors (%.2f GB) into %s ...%n", specs.size(), bytes / 1e9, dir);
        try (Parallel par = Parallel.ofAvailable()) {
            SafeTensorsWriter.writeGenerated(dir.resolve("model.safetensors"), specs, Map.of("format", "pt"),
                    (spec, data) -> fill(spec, data, par));
        }
        Files.writeString(dir.resolve("config.json"), configJson);
        // read back from disk when timed, as a user's checkpoint is (PageCache says why)
        PageCache.evict(dir.resolve("model.safetensors"));
    }

    /** Every tensor of a real-layouts manifest ({@link TensorSpec#readManifest}), all files together. */
    static List<TensorSpec> fromManifest(Path tensorsJson) {
        List<TensorSpec> specs = new ArrayList<>();
        for (List<TensorSpec> file : TensorSpec.readManifest(tensorsJson).values()) specs.addAll(file);
        return specs;
    }

    private static void fill(TensorSpec spec, MemorySegment data, Parallel par) {
        String n = spec.name();
        if (!spec.dtype().isFloat() || spec.dtype() == DType.F64)
            throw new IllegalArgumentException("random weights for " + spec.dtype() + " tensor '" + n + "' are not supported");
        int[] shape = spec.shape();
        boolean norm = n.contains("norm") || n.contains("layer_norm");
        if (norm && n.endsWith(".weight")) { fillConstant(spec.dtype(), data, 1f); return; }
        if (n.endsWith(".bias")) { fillConstant(spec.dtype(), data, 0f); return; }
        long fanIn = shape.length < 2 ? 1 : spec.numel() / shape[0];
        float a = n.contains("embed") ? 1f : (float) Math.sqrt(3.0 / fanIn);
        int size = spec.dtype().byteSize();
        long count = data.byteSize() / size;
        int chunk = 1 << 20, chunks = (int) ((count + chunk - 1) / chunk);
        par.forRange(chunks, (c0, c1) -> {
            for (int ci = c0; ci < c1; ci++) {
                SplittableRandom r = new SplittableRandom(n.hashCode() * 31L + ci);
                long first = (long) ci * chunk, end = Math.min(count, first + chunk);
                for (long i = first; i < end; i++) set(spec.dtype(), data, i, (float) (r.nextDouble() * 2 - 1) * a);
            }
        });
    }

    private static void fillConstant(DType dtype, MemorySegment data, float v) {
        for (long i = 0, n = data.byteSize() / dtype.byteSize(); i < n; i++) set(dtype, data, i, v);
    }

    private static void set(DType dtype, MemorySegment data, long i, float v) {
        switch (dtype) {
            case F32 -> data.set(TensorView.F32, i * 4, v);
            case F16 -> data.set(TensorView.I16, i * 2, Half.f32ToF16(v));
            case BF16 -> data.set(TensorView.I16, i * 2, Half.f32ToBf16(v));
            default -> throw new AssertionError(dtype);   // fill() admits F32, F16, BF16 only
        }
    }
}
