package io.guardreasoner.spring;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.jlama.JlamaBackend;
import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter on real in-process Jlama, with a small random-weight Llama model written for the test. */
class JlamaStarterTest {

    @TempDir
    static Path tmp;

    @Test
    void loadsTheModelAtStartUpReportsItInHealthAndJudgesWithIt() {
        Path model = LlamaModelWriter.builder().build().write(tmp.resolve("tiny-guard"));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GuardReasonerBackendAutoConfiguration.class,
                        GuardReasonerAutoConfiguration.class, GuardReasonerHealthAutoConfiguration.class))
                .withPropertyValues("guardreasoner.backend=jlama",
                        "guardreasoner.jlama.model-dir=" + model,
                        "guardreasoner.jlama.cache-dir=" + tmp.resolve("cache"),
                        "guardreasoner.jlama.load-on-startup=true",
                        "guardreasoner.jlama.quantization=none",
                        "guardreasoner.max-tokens=8",
                        "guardreasoner.timeout=60s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    LazyGuardBackend backend = (LazyGuardBackend) context.getBean(GuardBackend.class);
                    assertThat(backend.isLoaded()).as("loaded while the context started").isTrue();
                    assertThat(backend.load()).isInstanceOf(JlamaBackend.class);
                    assertThat(backend.modelId()).isEqualTo("tiny-guard").isEqualTo(backend.load().modelId());
                    assertThat(context.getBean(GuardReasonerHealthIndicator.class).health().getStatus())
                            .isEqualTo(Status.UP);

                    // Random weights write no label: the verdict is incomplete, so the input policy blocks.
                    Assessment a = context.getBean(Guard.class).checkRequest("How do I bake bread?");
                    assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
                    assertThat(a.verdict()).isPresent();
                    assertThat(a.generatedTokens()).hasValue(8);
                    assertThat(a.blocked()).isTrue();
                });
    }
}
