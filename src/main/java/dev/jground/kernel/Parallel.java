package dev.jground.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A bounded pool for data-parallel loops. The caller's thread takes a share of the work,
 * so {@code Parallel.of(1)} runs everything inline with no threads at all.
 */
public final class Parallel implements AutoCloseable {

    /** A body that handles the half-open range [start, end). */
    @FunctionalInterface
    public interface Range { void run(int start, int end); }

    public static final Parallel SERIAL = new Parallel(1);

    private final int threads;
    private final ExecutorService pool;

    private Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "jground-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public static Parallel of(int threads) { return threads == 1 ? SERIAL : new Parallel(threads); }

    /** One thread per available processor. */
    public static Parallel ofAvailable() { return of(Runtime.getRuntime().availableProcessors()); }

    public int threads() { return threads; }

    /** Splits [0, n) into at most {@code threads} contiguous ranges and runs them concurrently. */
    public void forRange(int n, Range body) { forRange(n, 1, body); }

    /** As {@link #forRange(int, Range)}, with range boundaries on multiples of {@code grain}. */
    public void forRange(int n, int grain, Range body) {
        int units = (n + grain - 1) / grain;
        int parts = Math.min(threads, units);
        if (parts <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int s = Math.min(n, (int) ((long) units * p / parts) * grain);
            int e = Math.min(n, (int) ((long) units * (p + 1) / parts) * grain);
            futures.add(pool.submit(() -> body.run(s, e)));
        }
        body.run(0, Math.min(n, (units / parts) * grain));
        for (Future<?> f : futures) join(f);
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Runs body over [0, n) in chunks of {@code chunk} that the threads take in turn, the caller's
     * among them, so a thread that the OS delays (two cores shared with other work) holds back
     * one chunk, not half the loop; a helper that has not started by the time the chunks are all
     * taken is called off rather than waited for. Which thread runs a chunk varies: bodies must
     * not let results depend on it (every body here computes each element the same way in any
     * chunk).
     */
    public void forChunks(int n, int chunk, Range body) {
        int chunks = (n + chunk - 1) / chunk;
        if (threads == 1 || chunks <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable take = () -> {
            for (int c; (c = next.getAndIncrement()) < chunks; )
                body.run(c * chunk, (int) Math.min(n, (long) (c + 1) * chunk));
        };
        int helpers = Math.min(threads, chunks) - 1;
        // each helper's state: 0 not started, 1 taking chunks; the caller sets 2 to call off one not yet started
        AtomicIntegerArray state = new AtomicIntegerArray(helpers);
        List<Future<?>> futures = new ArrayList<>(helpers);
        for (int p = 0; p < helpers; p++) {
            int h = p;
            futures.add(pool.submit(() -> { if (state.compareAndSet(h, 0, 1)) take.run(); }));
        }
        try {
            take.run();
        } finally {
            for (int p = 0; p < helpers; p++) if (!state.compareAndSet(p, 0, 2)) join(futures.get(p));
        }
    }

    @Override public void close() { if (pool != null) pool.shutdownNow(); }
}
