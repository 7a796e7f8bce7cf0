package io.guardreasoner.jlama;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The default thread count: one per physical core, read from Linux's CPU topology. */
class JlamaThreadDefaultTest {

    @TempDir
    Path sys;

    @Test
    void countsEveryCoreOnAMachineWithoutSmt() throws IOException {
        for (int cpu = 0; cpu < 8; cpu++) cpu(cpu, 0, cpu);

        assertThat(JlamaRuntime.physicalCores(sys, 8)).isEqualTo(8); // Jlama's own default: 4
    }

    @Test
    void countsSiblingHyperthreadsOnce() throws IOException {
        cpu(0, 0, 0);
        cpu(1, 0, 1);
        cpu(2, 0, 0);
        cpu(3, 0, 1);

        assertThat(JlamaRuntime.physicalCores(sys, 4)).isEqualTo(2);
    }

    @Test
    void countsCoresOfEverySocketAndOnlyTheProcessorsAvailable() throws IOException {
        for (int cpu = 0; cpu < 12; cpu++) cpu(cpu, cpu / 6, cpu % 6); // cpu10 sorts after cpu9, not after cpu1

        assertThat(JlamaRuntime.physicalCores(sys, 12)).isEqualTo(12);
        assertThat(JlamaRuntime.physicalCores(sys, 8)).isEqualTo(8);
    }

    @Test
    void fallsBackToHalfTheProcessorsWithoutTopology() {
        assertThat(JlamaRuntime.physicalCores(sys.resolve("missing"), 8)).isEqualTo(4);
        assertThat(JlamaRuntime.physicalCores(sys.resolve("missing"), 1)).isEqualTo(1);
    }

    @Test
    void neverExceedsTheAvailableProcessorsOnThisMachine() {
        int available = Runtime.getRuntime().availableProcessors();

        assertThat(JlamaRuntime.physicalCores(Path.of("/sys/devices/system/cpu"), available)).isBetween(1, available);
    }

    private void cpu(int cpu, int pkg, int core) throws IOException {
        Path topology = Files.createDirectories(sys.resolve("cpu" + cpu).resolve("topology"));
        Files.writeString(topology.resolve("physical_package_id"), pkg + "\n");
        Files.writeString(topology.resolve("core_id"), core + "\n");
    }
}
