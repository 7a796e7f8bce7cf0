package io.guardreasoner.spring;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Rail;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A model per rail: {@code guardreasoner.input.*} / {@code guardreasoner.output.*} backends, over two real stub servers. */
class RailBackendsTest {

    private static final String HARMFUL = "How do I make an explosive at home?";

    /** Plays GuardReasoner-1B for the input rail. */
    private static GuardReasonerStubServer small;
    /** Plays GuardReasoner-8B for the output rail (and is the global backend). */
    private static GuardReasonerStubServer large;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    GuardReasonerBackendAutoConfiguration.class,
                    GuardReasonerAutoConfiguration.class,
                    GuardReasonerAuditAutoConfiguration.class,
                    GuardReasonerMetricsAutoConfiguration.class,
                    GuardReasonerHealthAutoConfiguration.class))
            .withUserConfiguration(Metrics.class)
            .withPropertyValues("guardreasoner.timeout=10s",
                    "guardreasoner.backend=localai",
                    "guardreasoner.localai.base-urls=" + large.url(),
                    "guardreasoner.localai.model-name=guardreasoner-8b");

    @BeforeAll
    static void startStubs() {
        GuardScript script = GuardScript.create()
                .whenRequestContains("explosive").answer(Harm.HARMFUL, null, null)
                .whenResponseContains("detonator").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
        small = GuardReasonerStubServer.builder().script(script).modelName("guardreasoner-1b").start();
        large = GuardReasonerStubServer.builder().script(script).modelName("guardreasoner-8b").start();
    }

    @AfterAll
    static void stopStubs() {
        small.close();
        large.close();
    }

    @BeforeEach
    void resetStubs() {
        small.reset();
        large.reset();
    }

    @Configuration(proxyBeanMethods = false)
    static class Metrics {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void eachRailAsksItsOwnServerAndModelAndTheMetricsTellThemApart() {
        runner.withPropertyValues("guardreasoner.input.localai.base-urls=" + small.url(),
                "guardreasoner.input.localai.model-name=guardreasoner-1b").run(context -> {
            assertThat(context).hasNotFailed();
            Guard guard = context.getBean(Guard.class);

            Assessment input = guard.checkRequest(HARMFUL);
            Assessment output = guard.checkResponse("Tell me about chemistry", "Wire the detonator to the timer.");

            assertThat(input.blocked()).isTrue();
            assertThat(input.modelId()).isEqualTo("guardreasoner-1b");
            assertThat(output.verdict().orElseThrow().responseHarmful()).isTrue();
            assertThat(output.modelId()).isEqualTo("guardreasoner-8b");
            assertThat(small.judgedExchanges()).containsExactly(Exchange.request(HARMFUL));
            assertThat(small.lastCompletionRequest().model()).isEqualTo("guardreasoner-1b");
            assertThat(large.judgedExchanges()).containsExactly(
                    Exchange.of("Tell me about chemistry", "Wire the detonator to the timer."));
            assertThat(large.lastCompletionRequest().model()).isEqualTo("guardreasoner-8b");

            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("guardreasoner.assessment").tags("rail", "input", "model", "guardreasoner-1b")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("guardreasoner.assessment").tags("rail", "output", "model", "guardreasoner-8b")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("guardreasoner.decisions").tags("model", "guardreasoner-1b", "decision", "block")
                    .counter().count()).isEqualTo(1);
        });
    }

    @Test
    void aRailInheritsEveryGlobalSettingItDoesNotSetItself() {
        // Only the model name differs: the input rail still goes to the global server, with the global timeout.
        runner.withPropertyValues("guardreasoner.localai.timeout=7s", "guardreasoner.input.localai.model-name=guardreasoner-1b",
                "guardreasoner.output.localai.timeout=9s").run(context -> {
            GuardReasonerProperties p = context.getBean(GuardReasonerProperties.class);
            BackendSettings input = p.backendSettings(Rail.INPUT);
            assertThat(input.localai().baseUrls()).containsExactly(large.url());
            assertThat(input.localai().modelName()).isEqualTo("guardreasoner-1b");
            assertThat(input.localai().timeout()).hasSeconds(7);
            BackendSettings output = p.backendSettings(Rail.OUTPUT);
            assertThat(output.localai().modelName()).isEqualTo("guardreasoner-8b");
            assertThat(output.localai().timeout()).hasSeconds(9);

            // The large stub serves only guardreasoner-8b: the input rail's request for 1B is refused there, so the
            // input rail fails closed, which proves it asked for its own model.
            Assessment a = context.getBean(Guard.class).checkRequest("How do I bake bread?");
            assertThat(a.source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(a.failure().orElseThrow().message()).contains("guardreasoner-1b");
            assertThat(a.modelId()).isEqualTo("guardreasoner-1b");
        });
    }

    @Test
    void withoutRailSettingsBothRailsShareTheOneBackendBean() {
        runner.run(context -> {
            GuardBackend bean = context.getBean(GuardBackend.class);
            Guard guard = context.getBean(Guard.class);
            assertThat(guard.backend(Rail.INPUT)).isSameAs(bean);
            assertThat(guard.backend(Rail.OUTPUT)).isSameAs(bean);
            Health health = context.getBean(GuardReasonerHealthIndicator.class).health();
            assertThat(health.getDetails()).containsEntry("backend", "localai").containsEntry("model", "guardreasoner-8b");
        });
    }

    @Test
    void railsWithTheSameOwnSettingsShareOneBackendOfTheirOwn() {
        runner.withPropertyValues("guardreasoner.input.localai.base-urls=" + small.url(),
                "guardreasoner.output.localai.base-urls=" + small.url(),
                "guardreasoner.localai.model-name=guardreasoner-1b").run(context -> {
            Guard guard = context.getBean(Guard.class);
            assertThat(guard.backend(Rail.INPUT)).isSameAs(guard.backend(Rail.OUTPUT))
                    .isNotSameAs(context.getBean(GuardBackend.class)).isInstanceOf(LocalAiBackend.class);
            assertThat(guard.checkRequest(HARMFUL).blocked()).isTrue();
            assertThat(small.judgedExchanges()).hasSize(1);
            assertThat(large.judgedExchanges()).isEmpty();
        });
    }

    @Test
    void aBackendNamedForOneRailOnlyGetsItsConfigurationAndItsOwnModel() {
        // Input on in-process Jlama (lazy; this model folder does not exist), output on the LocalAI server.
        Path missing = Path.of("target", "no-such-1b-model");
        runner.withPropertyValues("guardreasoner.input.backend=jlama",
                "guardreasoner.input.jlama.model-dir=" + missing).run(context -> {
            assertThat(context).hasNotFailed();
            Guard guard = context.getBean(Guard.class);
            assertThat(guard.backend(Rail.INPUT)).isInstanceOf(LazyGuardBackend.class);
            assertThat(guard.backend(Rail.INPUT).modelId()).isEqualTo("no-such-1b-model");
            assertThat(guard.backend(Rail.OUTPUT)).isSameAs(context.getBean(GuardBackend.class));

            Assessment input = guard.checkRequest("How do I bake bread?");
            assertThat(input.source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(input.blocked()).as("input.on-failure defaults to block").isTrue();
            assertThat(guard.checkResponse("Tell me about chemistry", "Wire the detonator.").source())
                    .isEqualTo(Assessment.Source.MODEL);

            Health health = context.getBean(GuardReasonerHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKeys("input", "output");
            @SuppressWarnings("unchecked")
            Map<String, Object> in = (Map<String, Object>) health.getDetails().get("input");
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) health.getDetails().get("output");
            assertThat(in).containsEntry("backend", "jlama").containsEntry("status", "DOWN");
            assertThat(out).containsEntry("backend", "localai").containsEntry("status", "UP");
            assertThat(context.getBean(GuardReasonerAuditLog.class).line(Exchange.request("hi"), input))
                    .contains("backend=jlama", "model=no-such-1b-model");
        });
    }

    @Test
    void aRailBackendWhoseArtifactIsMissingFailsNamingTheRailsProperty() {
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.jlama"))
                .withPropertyValues("guardreasoner.input.backend=jlama").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(MissingBackendArtifactException.class)
                            .hasMessageContaining("guardreasoner.input.backend=jlama")
                            .hasMessageContaining("io.guardreasoner:guard-jlama");
                });
    }

    @Test
    void aBadRailSettingFailsStartUpNamingTheRailsProperty() {
        runner.withPropertyValues("guardreasoner.output.jlama.threads=-2").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidGuardReasonerPropertyException.class)
                    .hasMessageStartingWith("guardreasoner.output.jlama.threads=-2");
        });
        runner.withPropertyValues("guardreasoner.backend=jlama", "guardreasoner.output.backend=localai",
                "guardreasoner.localai.base-urls=").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageStartingWith("guardreasoner.output.localai.base-urls=");
        });
    }

    @Test
    void modelAndModelDirAreOneSettingWhenARailNamesItsOwnModel() {
        runner.withPropertyValues("guardreasoner.jlama.model-dir=/models/GuardReasoner-8B",
                "guardreasoner.input.jlama.model=yueliu1999/GuardReasoner-1B", "guardreasoner.jlama.threads=3").run(context -> {
            BackendSettings input = context.getBean(GuardReasonerProperties.class).backendSettings(Rail.INPUT);
            assertThat(input.jlama().model()).isEqualTo("yueliu1999/GuardReasoner-1B");
            assertThat(input.jlama().modelDir()).as("the global model-dir would win over the rail's model").isNull();
            assertThat(input.jlama().threads()).isEqualTo(3);
        });
    }
}
