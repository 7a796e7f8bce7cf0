package io.guardreasoner.spring;

import dev.langchain4j.model.moderation.ModerationModel;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerModerationModel;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import io.guardreasoner.langchain4j.VetoMode;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import io.guardreasoner.test.StubFault;
import io.guardreasoner.test.spring.GuardReasonerStubProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
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
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter's beans in a real (small) Spring context, against a real stub GuardReasoner server. */
class GuardReasonerAutoConfigurationTest {

    private static GuardReasonerStubServer stub;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    GuardReasonerBackendAutoConfiguration.class,
                    GuardReasonerAutoConfiguration.class,
                    GuardReasonerLangChain4jAutoConfiguration.class,
                    GuardReasonerAuditAutoConfiguration.class,
                    GuardReasonerMetricsAutoConfiguration.class,
                    GuardReasonerHealthAutoConfiguration.class))
            .withPropertyValues(GuardReasonerStubProperties.propertyValues(stub))
            .withPropertyValues("guardreasoner.timeout=10s");

    @BeforeAll
    static void startStub() {
        stub = GuardReasonerStubServer.start(GuardScript.create()
                .whenRequestContains("explosive").answer(Harm.HARMFUL, null, null));
    }

    @AfterAll
    static void stopStub() {
        stub.close();
    }

    @BeforeEach
    void resetStub() {
        stub.reset();
    }

    @Configuration(proxyBeanMethods = false)
    static class Metrics {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void wiresLocalAiBackendGuardGuardrailsAndModerationModelFromProperties() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(GuardBackend.class)).isInstanceOf(LocalAiBackend.class);
            Guard guard = context.getBean(Guard.class);
            assertThat(context).hasSingleBean(GuardReasonerInputGuardrail.class)
                    .hasSingleBean(GuardReasonerOutputGuardrail.class)
                    .hasSingleBean(GuardReasonerAuditLog.class);
            assertThat(context.getBean(ModerationModel.class)).isInstanceOf(GuardReasonerModerationModel.class);

            Assessment harmful = guard.checkRequest("How do I make an explosive at home?");
            assertThat(harmful.blocked()).isTrue();
            assertThat(harmful.source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(guard.checkRequest("How do I bake bread?").allowed()).isTrue();
            assertThat(stub.judgedExchanges()).extracting(e -> e.request())
                    .containsExactly("How do I make an explosive at home?", "How do I bake bread?");
        });
    }

    @Test
    void everyBeanBacksOffWhenTheApplicationDefinesItsOwn() {
        runner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context.getBean(GuardBackend.class)).isSameAs(OwnBeans.BACKEND);
            assertThat(context.getBean(Guard.class)).isSameAs(context.getBean("myGuard"));
            assertThat(context.getBean(GuardReasonerInputGuardrail.class)).isSameAs(context.getBean("myInput"));
            assertThat(context.getBean(ModerationModel.class)).isSameAs(context.getBean("myModeration"));
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        static final ScriptedGuardBackend BACKEND = new ScriptedGuardBackend(GuardScript.create());

        @Bean
        GuardBackend myBackend() {
            return BACKEND;
        }

        @Bean
        Guard myGuard(GuardBackend backend) {
            return Guard.builder().backend(backend).build();
        }

        @Bean
        GuardReasonerInputGuardrail myInput(Guard guard) {
            return new GuardReasonerInputGuardrail(guard);
        }

        @Bean
        ModerationModel myModeration(Guard guard) {
            return new GuardReasonerModerationModel(guard);
        }
    }

    @Test
    void fallbackToJlamaWrapsThePrimaryBackend() {
        runner.withPropertyValues("guardreasoner.fallback=jlama",
                "guardreasoner.jlama.model-dir=" + Path.of("target", "no-such-model")).run(context -> {
            assertThat(context.getBean(GuardBackend.class)).isInstanceOf(FallbackBackend.class);
            // The primary answers, so the lazy Jlama fallback is never loaded.
            assertThat(context.getBean(Guard.class).checkRequest("How do I bake bread?").allowed()).isTrue();
        });
    }

    @Test
    void jlamaLoadsLazilyAndAFailedLoadBecomesTheFailurePolicy() {
        runner.withPropertyValues("guardreasoner.backend=jlama",
                "guardreasoner.jlama.model-dir=" + Path.of("target", "no-such-model")).run(context -> {
            assertThat(context).hasNotFailed();
            LazyGuardBackend backend = (LazyGuardBackend) context.getBean(GuardBackend.class);
            assertThat(backend.isLoaded()).isFalse();
            assertThat(backend.health().up()).isTrue();

            Assessment a = context.getBean(Guard.class).checkRequest("How do I bake bread?");
            assertThat(a.source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(a.blocked()).as("input.on-failure defaults to block").isTrue();
            assertThat(backend.health().up()).isFalse();
            assertThat(backend.health().detail()).contains("no-such-model");
        });
    }

    @Test
    void jlamaLoadOnStartupFailsStartUpWhenTheModelIsMissing() {
        runner.withPropertyValues("guardreasoner.backend=jlama", "guardreasoner.jlama.load-on-startup=true",
                "guardreasoner.jlama.model-dir=" + Path.of("target", "no-such-model")).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("no-such-model");
        });
    }

    @Test
    void vetoModeFromPropertiesReachesTheGuardrailBeans() {
        runner.withPropertyValues("guardreasoner.input.veto-mode=fatal").run(context -> {
            assertThat(context.getBean(GuardReasonerInputGuardrail.class).vetoMode()).isEqualTo(VetoMode.FATAL);
            assertThat(context.getBean(GuardReasonerOutputGuardrail.class).vetoMode()).isEqualTo(VetoMode.FAILURE);
        });
    }

    @Test
    void worksWithoutActuatorAndMicrometerOnTheClassPath() {
        runner.withUserConfiguration(Metrics.class)
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class, MeterRegistry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Guard.class)
                            .doesNotHaveBean(GuardReasonerMetrics.class)
                            .doesNotHaveBean(GuardReasonerHealthIndicator.class);
                    assertThat(context.getBean(Guard.class).checkRequest("How do I bake bread?").allowed()).isTrue();
                });
    }

    @Test
    void disabledStarterCreatesNothing() {
        runner.withPropertyValues("guardreasoner.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(Guard.class).doesNotHaveBean(GuardBackend.class)
                    .doesNotHaveBean(GuardReasonerInputGuardrail.class);
        });
    }

    @Test
    void countsVerdictsDecisionsCacheHitsAndFailPolicyDecisions() {
        runner.withUserConfiguration(Metrics.class).run(context -> {
            Guard guard = context.getBean(Guard.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            // Actuator binds MeterBinder beans; this small context has no Actuator, so bind by hand.
            context.getBean("guardReasonerGauges", MeterBinder.class).bindTo(registry);
            guard.checkRequest("How do I make an explosive at home?");
            guard.checkRequest("How do I make an explosive at home?");
            stub.failAlways(StubFault.status(500));
            guard.checkRequest("Tell me a joke");

            assertThat(registry.get("guardreasoner.assessment").tags("rail", "input", "backend", "localai", "source", "model")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("guardreasoner.decisions").tags("rail", "input", "decision", "block")
                    .counter().count()).isEqualTo(3);
            assertThat(registry.get("guardreasoner.verdict.labels").tags("task", "request", "label", "harmful")
                    .counter().count()).isEqualTo(2);
            assertThat(registry.get("guardreasoner.cache.hits").tags("rail", "input").counter().count()).isEqualTo(1);
            assertThat(registry.get("guardreasoner.failures").tags("rail", "input", "kind", "backend_error", "decision", "block")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("guardreasoner.cache.size").gauge().value()).isEqualTo(1);
        });
    }

    @Test
    void healthIsUpWhenTheServerServesTheModelAndDownWhenItIsGone() {
        runner.run(context -> {
            GuardReasonerHealthIndicator health = context.getBean(GuardReasonerHealthIndicator.class);
            Health up = health.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("backend", "localai");

            stub.failAlways(StubFault.status(503));
            Health down = health.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails().get("detail").toString()).contains(stub.url());
        });
    }

    @Test
    void cacheSizeZeroAsksTheModelEveryTime() {
        runner.withPropertyValues("guardreasoner.cache.size=0").run(context -> {
            Guard guard = context.getBean(Guard.class);
            guard.checkRequest("How do I bake bread?");
            guard.checkRequest("How do I bake bread?");
            assertThat(stub.completionRequests()).hasSize(2);
        });
    }

    @Test
    void outputPolicyFromPropertiesDecidesAnsweredTurns() {
        stub.script().whenResponseContains("detonator").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
        runner.withPropertyValues("guardreasoner.output.on-harmful=block").run(context -> {
            Assessment a = context.getBean(Guard.class).checkResponse("Tell me about chemistry", "Wire the detonator to…");
            assertThat(a.rail().label()).isEqualTo("output");
            assertThat(a.blocked()).isTrue();
        });
    }
}
