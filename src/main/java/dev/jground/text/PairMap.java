package dev.jground.text;

import java.util.Arrays;

/**
 * An open-addressing map from a pair of token ids to an int (the merge rank). Not a
 * {@code HashMap<Long, Integer>}: {@code Long.hashCode} of {@code a << 32 | b} is {@code a ^ b},
 * which for ids below 32768 gives 61k LLaMA merges only 32k distinct hashes; and the encode
 * loop looks pairs up without boxing.
 */
final class PairMap {
    private static final long EMPTY = -1L;   // no pair of non-negative ids packs to -1
    private final long[] keys;
    private final int[] values;
    private final int mask;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;   // load factor <= 1/2
        keys = new long[cap];
        values = new int[cap];
        mask = cap - 1;
        Arrays.fill(keys, EMPTY);
    }

    private static long key(int a, int b) { return ((long) a << 32) | (b & 0xFFFFFFFFL); }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;   // Fibonacci hashing: the high bits mix every input bit
        int i = (int) (h >>> 40) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    /** Stores the value unless the pair already has one (a repeated merge keeps its first rank). */
    void putIfAbsent(int a, int b, int value) {
        long k = key(a, b);
        int i = slot(k);
        if (keys[i] == EMPTY) { keys[i] = k; values[i] = value; }
    }

    /** The value of the pair, or -1. */
    int get(int a, int b) {
        long k = key(a, b);
        int i = slot(k);
        return keys[i] == EMPTY ? -1 : values[i];
    }
}
