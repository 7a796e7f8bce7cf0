package io.guardreasoner.llamacpp;

import java.util.Arrays;

/** A growable int array. */
final class IntList {
    int[] data = new int[64];
    int size;

    void add(int v) {
        if (size == data.length) data = Arrays.copyOf(data, size * 2);
        data[size++] = v;
    }

    void addAll(int[] values, int from, int count) {
        if (size + count > data.length) data = Arrays.copyOf(data, Math.max(size + count, size * 2));
        System.arraycopy(values, from, data, size, count);
        size += count;
    }

    void truncate(int newSize) {
        size = Math.min(size, newSize);
    }

    void clear() {
        size = 0;
    }

    /** How many leading values equal those of {@code other}. */
    int commonPrefix(int[] other) {
        int n = Math.min(size, other.length);
        int i = 0;
        while (i < n && data[i] == other[i]) i++;
        return i;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
