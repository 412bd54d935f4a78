package dev.jground.kernel;

import org.openjdk.jmh.annotations.*;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * LLaMA-7B-sized attention: 32 heads × 128 dims over 600 keys (576 image tokens plus a prompt).
 * decode: one new query (tq = 1) with its probabilities recorded, as generation runs it;
 * prefill: all 600 queries, causal.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {

    private static final int HEADS = 32, HEAD_DIM = 128, KEYS = 600;

    @Param({"0"})   // 0 = one thread per processor
    public int threads;

    private Parallel par;
    private float[] q, k, v, out, probs;
    private final float scale = (float) (1 / Math.sqrt(HEAD_DIM));

    @Setup
    public void setup() {
        par = threads == 0 ? Parallel.ofAvailable() : Parallel.of(threads);
        Random r = new Random(1);
        q = random(r, KEYS * HEADS * HEAD_DIM);
        k = random(r, KEYS * HEADS * HEAD_DIM);
        v = random(r, KEYS * HEADS * HEAD_DIM);
        out = new float[KEYS * HEADS * HEAD_DIM];
        probs = new float[HEADS * KEYS * KEYS];
    }

    @TearDown
    public void tearDown() { par.close(); }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Benchmark
    public float[] decode() {
        Attention.attention(q, k, v, out, 1, KEYS, HEADS, HEADS, HEAD_DIM, scale, true, probs, par);
        return out;
    }

    @Benchmark
    public float[] prefillCausal() {
        Attention.attention(q, k, v, out, KEYS, KEYS, HEADS, HEADS, HEAD_DIM, scale, true, null, par);
        return out;
    }
}
