package dev.jground.kernel;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

class ParallelTest {

    /** Every index in exactly one chunk, chunks of the given size (the last one short), on any thread count. */
    @Test void forChunksCoversEachIndexOnce() {
        for (int threads : new int[] {1, 2, 3})
            try (Parallel par = Parallel.of(threads)) {
                for (int n : new int[] {0, 1, 7, 33, 1031})
                    for (int chunk : new int[] {1, 3, 16, 2000}) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
                        par.forChunks(n, chunk, (s, e) -> {
                            assertTrue(s % chunk == 0 && (e - s == chunk || e == n), "chunk [" + s + ", " + e + ")");
                            for (int i = s; i < e; i++) seen.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), threads + " threads, n=" + n + ", chunk " + chunk + ", index " + i);
                    }
            }
    }

    @Test void aFailingChunkFailsTheCall() {
        try (Parallel par = Parallel.of(2)) {
            var e = assertThrows(IllegalStateException.class, () -> par.forChunks(100, 1, (s, x) -> {
                if (s == 57) throw new IllegalStateException("chunk 57");
            }));
            assertEquals("chunk 57", e.getMessage());
            AtomicIntegerArray after = new AtomicIntegerArray(10);   // and the pool still works
            par.forChunks(10, 1, (s, x) -> after.incrementAndGet(s));
            for (int i = 0; i < 10; i++) assertEquals(1, after.get(i));
        }
    }
}
