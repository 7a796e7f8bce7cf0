package io.guardreasoner.jlama;

import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import io.guardreasoner.core.GuardBackendException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What Jlama needs from the JVM and shares across it: the Vector API module, and one compute thread pool per JVM,
 * sized once from the CPU topology.
 */
final class JlamaRuntime {

    private static final Object THREAD_LOCK = new Object();
    private static final Path CPU_SYSFS = Path.of("/sys/devices/system/cpu");

    private JlamaRuntime() {
    }

    /** Fails with the JVM flag to add when the Vector API, which Jlama's kernels need, is not loaded. */
    static void requireVectorModule() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new GuardBackendException("Jlama needs the Java Vector API: start the JVM with "
                    + "--add-modules jdk.incubator.vector (and --enable-preview on Java 21 for jlama-native)");
        }
    }

    /**
     * Sizes Jlama's JVM-wide pool: to {@code threads} when positive, else to the physical cores unless the pool runs
     * already. The first backend's count wins; a later backend asking for another count is a configuration error.
     */
    static void useThreads(int threads) {
        if (threads > 0) configureThreads(threads);
        else defaultThreads();
    }

    /** The size of Jlama's pool, which every backend in this JVM shares. */
    static int threads() {
        return PhysicalCoreExecutor.instance.get().getCoreCount();
    }

    /** Which Jlama kernels run: the native SIMD library (jlama-native) or the Java Vector API. */
    static String kernels() {
        return TensorOperationsProvider.get().name();
    }

    static void configureThreads(int threads) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (threads > cpus) {
            throw new GuardBackendException("threads(" + threads + ") exceeds the " + cpus + " processors of this machine");
        }
        synchronized (THREAD_LOCK) {
            try {
                PhysicalCoreExecutor.overrideThreadCount(threads);
            } catch (IllegalStateException e) {
                int current = threads();
                if (current != threads) {
                    throw new GuardBackendException("Jlama's thread count is JVM-wide and already fixed at " + current
                            + "; it cannot change to " + threads + ". Give every JlamaBackend in this JVM the same "
                            + "threads(...) or leave it unset", e);
                }
            }
        }
    }

    /**
     * Sizes Jlama's pool to the physical cores unless it already runs. Jlama's own default is half the logical
     * processors (at least 2): half the cores on a machine without SMT, such as many cloud VMs.
     */
    private static void defaultThreads() {
        synchronized (THREAD_LOCK) {
            try {
                PhysicalCoreExecutor.overrideThreadCount(physicalCores(CPU_SYSFS, Runtime.getRuntime().availableProcessors()));
            } catch (IllegalStateException alreadyRunning) {
                // Another backend (or Jlama itself) fixed the JVM-wide pool first; keep it.
            }
        }
    }

    /**
     * Physical cores among the first {@code available} logical processors, from Linux's CPU topology in
     * {@code sysCpu} (distinct package and core ids); half of {@code available} (at least 1) when it cannot be read.
     */
    static int physicalCores(Path sysCpu, int available) {
        int fallback = Math.max(1, available / 2);
        try (Stream<Path> entries = Files.list(sysCpu)) {
            List<Path> cpus = entries.filter(p -> p.getFileName().toString().matches("cpu\\d+"))
                    .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(3))))
                    .limit(available).toList();
            Set<String> cores = new HashSet<>();
            for (Path cpu : cpus) {
                Path topology = cpu.resolve("topology");
                cores.add(Files.readString(topology.resolve("physical_package_id")).trim() + ":"
                        + Files.readString(topology.resolve("core_id")).trim());
            }
            return cores.isEmpty() ? fallback : Math.min(available, cores.size());
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}
