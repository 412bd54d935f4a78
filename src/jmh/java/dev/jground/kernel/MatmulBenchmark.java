package dev.jground.kernel;

import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link Matmul#matmul} at the layer shapes the models run, "M x K x N" (x [M, K] · W [N, K]ᵀ):
 * LLaMA-7B decode (M = 1) and prefill (M = 512) through the MLP (N = 11008) and attention
 * (N = 4096) projections, and CLIP ViT-L/14-336's MLP (577 tokens, 1024 -> 4096).
 * Run with tools/jmh.sh MatmulBenchmark (see docs/PERFORMANCE.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MatmulBenchmark {

    @Param({"1x4096x11008", "1x4096x4096", "512x4096x11008", "512x4096x4096", "577x1024x4096"})
    public String shape;

    @Param({"F32", "F16", "BF16"})
    public String dtype;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private Parallel par;
    private WeightMatrix w;
    private float[] x, y, bias;
    private int m;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        int k = Integer.parseInt(s[1]), n = Integer.parseInt(s[2]);
        DType dt = DType.valueOf(dtype);
        SplittableRandom rnd = new SplittableRandom(1);
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate((long) n * k * dt.byteSize(), 64);
        for (long i = 0; i < (long) n * k; i++) {
            float v = (float) rnd.nextDouble(-0.05, 0.05);
            switch (dt) {
                case F32 -> data.set(TensorView.F32, 4 * i, v);
                case F16 -> data.set(TensorView.I16, 2 * i, Float.floatToFloat16(v));
                default -> data.set(TensorView.I16, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        w = new WeightMatrix(dt, n, k, data);
        x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        y = new float[m * n];
        bias = new float[n];
        par = Parallel.of(threads);
    }

    @TearDown
    public void tearDown() {
        par.close();
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        Matmul.matmul(x, m, w, bias, y, par);
        return y;
    }
}
