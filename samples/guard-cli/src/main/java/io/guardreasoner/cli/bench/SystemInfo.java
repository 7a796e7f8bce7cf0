package io.guardreasoner.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the benchmark says about the machine it ran on, read from {@code /proc} where there is one. */
public final class SystemInfo {

    private SystemInfo() {
    }

    /** The one-minute load average, or -1 when unknown. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return load < 0 ? -1 : load;
        }
    }

    /** The CPU model name, as lscpu shows it. */
    public static String cpuModel() {
        return procLine("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch"));
    }

    /** Total memory in GiB, or -1 when unknown. */
    public static double memoryGiB() {
        return procLine("/proc/meminfo", "MemTotal")
                .map(v -> Double.parseDouble(v.replaceAll("[^0-9]", "")) / (1 << 20)).orElse(-1.0);
    }

    /** The JVM's name and version. */
    public static String jdk() {
        return System.getProperty("java.vm.name") + " " + Runtime.version();
    }

    private static java.util.Optional<String> procLine(String file, String key) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return lines.stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
