package dev.jground.kernel;

import dev.jground.tensor.TensorView;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * F16/BF16 widening of one L2-resident block (64 Ki values) by {@link Convert}: F16 is the
 * loop C2 compiles to vcvtph2ps, BF16 a Vector API shift. Run with tools/jmh.sh ConvertBenchmark.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConvertBenchmark {
    private static final int N = 64 * 1024;
    private Arena arena;
    private MemorySegment src;
    private final float[] dst = new float[N];

    @Setup
    public void setup() {
        arena = Arena.ofConfined();
        src = arena.allocate(2L * N + 1, 64).asSlice(1, 2L * N); // unaligned, as in a checkpoint
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < N; i++) src.set(TensorView.I16, 2L * i, Float.floatToFloat16((float) rnd.nextDouble(-1, 1)));
    }

    @TearDown
    public void tearDown() { arena.close(); }

    @Benchmark
    public float[] f16() {
        Convert.f16ToF32(src, 0, dst, 0, N);
        return dst;
    }

    @Benchmark
    public float[] bf16() {
        Convert.bf16ToF32(src, 0, dst, 0, N);
        return dst;
    }
}
