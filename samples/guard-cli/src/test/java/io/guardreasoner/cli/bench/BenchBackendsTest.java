package io.guardreasoner.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which backends {@code bench --backends} runs, and the errors for the ones it cannot. */
class BenchBackendsTest {

    @Test
    void registersJlamaAndLlamaCppInTableOrderBothOnTheClassPath() {
        assertThat(BenchBackends.names()).isEqualTo("jlama,llamacpp");
        assertThat(BenchBackends.availableByDefault()).extracting(BenchBackends.Entry::name)
                .containsExactly("jlama", "llamacpp");
        assertThat(BenchBackends.missing()).isEmpty();
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
        BenchBackends.Entry present = BenchBackends.all().getFirst();
        BenchBackends.Entry absent = new BenchBackends.Entry("vllm", "guard-vllm", Optional.empty());
        List<BenchBackends.Entry> registry = List.of(present, absent);

        assertThatThrownBy(() -> BenchBackends.select("jlama,vllm", registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("guard-vllm is not on the class path");
        assertThat(BenchBackends.select("jlama", registry)).containsExactly(present);
    }
}
