package io.guardreasoner.cli.bench;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures how fast this machine streams memory: threads sum disjoint slices of a large array, best of several passes.
 * The array is larger than the last-level cache so that the read comes from memory, as a decode step's weights do.
 */
public final class MemoryBandwidth {

    private MemoryBandwidth() {
    }

    /** Bytes per second read by {@code threads} threads over an array of {@code bytes} bytes, best of {@code passes}. */
    public static double measure(long bytes, int threads, int passes) {
        int longs = Math.toIntExact(Math.max(1024, bytes / Long.BYTES));
        long[] data = new long[longs];
        for (int i = 0; i < longs; i++) data[i] = i; // touch every page so the passes measure reads, not page faults
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bench-bandwidth");
            t.setDaemon(true);
            return t;
        });
        try {
            double best = 0;
            long checksum = 0;
            for (int pass = 0; pass < passes; pass++) {
                long start = System.nanoTime();
                List<Future<Long>> parts = new ArrayList<>();
                int slice = (longs + threads - 1) / threads;
                for (int t = 0; t < threads; t++) {
                    int from = Math.min(longs, t * slice);
                    int to = Math.min(longs, from + slice);
                    parts.add(pool.submit(() -> sum(data, from, to)));
                }
                for (Future<Long> f : parts) checksum += f.get();
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, (double) longs * Long.BYTES / seconds);
            }
            if (checksum == 42) System.out.print(""); // keeps the sums alive
            return best;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring memory bandwidth", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("measuring memory bandwidth failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Vector loads with two accumulators, so the loop is bound by memory, not by scalar additions. */
    private static long sum(long[] data, int from, int to) {
        VectorSpecies<Long> species = LongVector.SPECIES_PREFERRED;
        int step = species.length();
        LongVector a = LongVector.zero(species);
        LongVector b = LongVector.zero(species);
        int i = from;
        for (; i + 2 * step <= to; i += 2 * step) {
            a = a.add(LongVector.fromArray(species, data, i));
            b = b.add(LongVector.fromArray(species, data, i + step));
        }
        long rest = 0;
        for (; i < to; i++) rest += data[i];
        return a.add(b).reduceLanes(VectorOperators.ADD) + rest;
    }
}
