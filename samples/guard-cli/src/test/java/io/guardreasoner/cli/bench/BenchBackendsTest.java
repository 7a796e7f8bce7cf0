package io.guardreasoner.cli.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Which backends {@code bench --backends} runs, and the errors for the ones it cannot. */
class BenchBackendsTest {

    @Test
    void registersJlamaAndLlamaCppInTableOrder() {
        assertThat(BenchBackends.names()).isEqualTo("jlama,llamacpp");
        assertThat(BenchBackends.availableByDefault()).extracting(BenchBackends.Entry::name).contains("jlama");
    }

    @Test
    void selectsByNameInAnyCaseInTheRegistrysOrder() {
        assertThat(BenchBackends.select(" JLAMA , jlama")).extracting(BenchBackends.Entry::name).containsExactly("jlama");
    }

    @Test
    void refusesAnUnknownBackendOrNone() {
        assertThatThrownBy(() -> BenchBackends.select("jlama,vllm"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown backend 'vllm'");
        assertThatThrownBy(() -> BenchBackends.select(" , "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no backend");
    }

    @Test
    void refusesABackendWhoseArtifactIsNotOnTheClassPath() {
        assumeFalse(BenchBackends.missing().isEmpty(), "every registered backend's artifact is on the class path");
        for (BenchBackends.Entry missing : BenchBackends.missing()) {
            assertThatThrownBy(() -> BenchBackends.select("jlama," + missing.name()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(missing.artifact() + " is not on the class path");
        }
    }
}
