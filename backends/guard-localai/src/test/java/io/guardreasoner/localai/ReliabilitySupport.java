package io.guardreasoner.localai;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.IntSupplier;

/** Measurements shared by the reliability tests: live threads, open sockets, heap, a refused port. */
final class ReliabilitySupport {

    private ReliabilitySupport() {
    }

    /** Live threads, not counting the stub servers' own pools (those belong to the test, not the library). */
    static int libraryThreads() {
        return libraryThreadNames().size();
    }

    /** Names of the threads {@link #libraryThreads()} counts, each with its id so that equal names stay apart. */
    static java.util.Set<String> libraryThreadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t -> !t.getName().startsWith("guardreasoner-stub-"))
                .filter(t -> !t.getName().startsWith("HTTP-Dispatcher"))
                // The JVM-wide common pool (the JDK HTTP client completes some stages there) belongs to no library.
                .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-worker"))
                .map(t -> t.getName() + "#" + t.threadId())
                .collect(java.util.stream.Collectors.toSet());
    }

    /** Open sockets of this process, from /proc (Linux); -1 where that is not readable. */
    static int openSockets() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) return -1;
        try (var list = Files.list(fds)) {
            return (int) list.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Waits until {@code value} drops to at most {@code target}, up to {@code limit}; returns the last value. */
    static int settle(IntSupplier value, int target, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        int current = value.getAsInt();
        while (current > target && System.nanoTime() < end) {
            Thread.sleep(50);
            current = value.getAsInt();
        }
        return current;
    }

    /** Heap in use after a full collection, in MiB. */
    static long usedHeapMiB() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }

    /** A loopback URL where nothing listens: connections are refused at once. */
    static String refusedUrl() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        return "http://127.0.0.1:" + port + "/v1";
    }

    /** p-th percentile (0..100) of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static double[] sorted(double[] values) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }
}
