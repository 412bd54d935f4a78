package dev.jground.cli;

import dev.jground.kernel.Matmul;
import dev.jground.kernel.Parallel;
import dev.jground.kernel.WeightMatrix;
import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jground bench matmul --m M --n N --k K --dtype f32|f16|bf16 --threads T [--warmup W] [--runs R]}:
 * times {@link Matmul#matmul} on random data (W in native memory, as a mapped checkpoint is) and
 * prints the median of R runs after W warm-up runs. The last line is
 * {@code matmul m=M n=N k=K dtype=D threads=T: <value> GFLOP/s}.
 */
final class MatmulBench {
    private MatmulBench() {}

    static int run(List<String> args, PrintStream out) {
        Options o = Options.parse(args, List.of("m", "n", "k", "dtype", "threads", "warmup", "runs"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        int m = atLeast(o, "m", 1, 1), n = atLeast(o, "n", 4096, 1), k = atLeast(o, "k", 4096, 1);
        int threads = atLeast(o, "threads", Runtime.getRuntime().availableProcessors(), 1);
        int warmup = atLeast(o, "warmup", 3, 0), runs = atLeast(o, "runs", 10, 1);
        String dt = o.get("dtype", "f32");
        DType dtype = DType.parse(dt.toUpperCase(Locale.ROOT));
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16)
            throw new UsageException("--dtype must be f32, f16 or bf16, got '" + dt + "'");

        SplittableRandom rnd = new SplittableRandom(42);
        float[] x = new float[Math.multiplyExact(m, k)], y = new float[Math.multiplyExact(m, n)], bias = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        long count = (long) n * k;
        try (Arena arena = Arena.ofShared(); Parallel par = Parallel.of(threads)) {
            MemorySegment data = arena.allocate(count * dtype.byteSize(), 64);
            for (long i = 0; i < count; i++) {
                float v = (float) rnd.nextDouble(-0.05, 0.05);
                switch (dtype) {
                    case F32 -> data.set(TensorView.F32, 4 * i, v);
                    case F16 -> data.set(TensorView.I16, 2 * i, Float.floatToFloat16(v));
                    default -> data.set(TensorView.I16, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                }
            }
            WeightMatrix w = new WeightMatrix(dtype, n, k, data);
            for (int r = 0; r < warmup; r++) Matmul.matmul(x, m, w, bias, y, par);
            double[] sec = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                Matmul.matmul(x, m, w, bias, y, par);
                sec[r] = (System.nanoTime() - t0) * 1e-9;
            }
            Arrays.sort(sec);
            double med = Bench.median(sec);
            String d = dtype.name().toLowerCase(Locale.ROOT);
            out.printf(Locale.ROOT, "median %.3f ms (min %.3f, max %.3f) over %d runs after %d warm-up%n",
                    med * 1e3, sec[0] * 1e3, sec[runs - 1] * 1e3, runs, warmup);
            out.printf(Locale.ROOT, "weights read: %.2f GB/s (%d bytes per call)%n", data.byteSize() / med / 1e9, data.byteSize());
            out.printf(Locale.ROOT, "matmul m=%d n=%d k=%d dtype=%s threads=%d: %.2f GFLOP/s%n",
                    m, n, k, d, threads, 2.0 * m * n * k / med / 1e9);
        }
        return 0;
    }

    private static int atLeast(Options o, String name, int def, int min) {
        int v = o.integer(name, def);
        if (v < min) throw new UsageException("--" + name + " must be at least " + min + ", got " + v);
        return v;
    }
}
