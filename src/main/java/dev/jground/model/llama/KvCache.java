package dev.jground.model.llama;

import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

/**
 * Keys and values of every position seen so far, one [capacity, kvHeads * headDim] buffer per
 * layer, filled in place, so a decode step costs one row per layer instead of a copy of all.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys, values;
    private final int capacity;
    private int length;

    public KvCache(Backend b, int layers, int capacity, int width) {
        if (capacity < 1) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        this.capacity = capacity;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = b.zeros(capacity, width);
            values[l] = b.zeros(capacity, width);
        }
    }

    /** Positions filled so far: the position of the next token. */
    public int length() { return length; }

    public int capacity() { return capacity; }

    Tensor keys(int layer) { return keys[layer]; }

    Tensor values(int layer) { return values[layer]; }

    /** Stores a layer's new rows at the current length (the pass then calls {@link #advance}). */
    void write(Backend b, int layer, Tensor k, Tensor v) {
        b.writeRows(keys[layer], length, k);
        b.writeRows(values[layer], length, v);
    }

    void advance(int tokens) { length += tokens; }

    /** Frees the buffers on a device now (a no-op on the CPU). */
    @Override public void close() {
        Tensor.close(keys);
        Tensor.close(values);
    }
}
