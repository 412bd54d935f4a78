package dev.jground.text;

import java.util.Arrays;

/** A growable int array, so encoding boxes no ids. */
final class IntList {
    private int[] a = new int[16];
    private int size;

    void add(int v) {
        if (size == a.length) a = Arrays.copyOf(a, 2 * size);
        a[size++] = v;
    }

    void addAll(int[] vs) { for (int v : vs) add(v); }

    int size() { return size; }

    int[] toArray() { return Arrays.copyOf(a, size); }
}
