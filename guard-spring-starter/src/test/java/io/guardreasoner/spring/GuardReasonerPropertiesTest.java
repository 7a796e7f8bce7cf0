package io.guardreasoner.spring;

import io.guardreasoner.core.Decision;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardReasonerPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(GuardReasonerAutoConfiguration.class))
            .withUserConfiguration(ScriptedBackend.class);

    @Configuration(proxyBeanMethods = false)
    static class ScriptedBackend {
        @Bean
        GuardBackend backend() {
            return new ScriptedGuardBackend(GuardScript.create());
        }
    }

    @Test
    void bindsDocumentedDefaults() {
        runner.run(context -> {
            GuardReasonerProperties p = context.getBean(GuardReasonerProperties.class);
            assertThat(p.backend()).isNull(); // jlama when guard-jlama is on the class path, else localai
            assertThat(p.fallback()).isEqualTo(GuardReasonerProperties.FallbackType.NONE);
            assertThat(p.jlama().model()).isEqualTo("yueliu1999/GuardReasoner-3B");
            assertThat(p.jlama().quantization()).isEqualTo(GuardReasonerProperties.JlamaQuantization.PRE_QUANTIZED_Q4);
            assertThat(p.jlama().loadOnStartup()).isFalse();
            assertThat(p.localai().baseUrls()).isEmpty();
            assertThat(p.localai().timeout()).isEqualTo(Duration.ofSeconds(60));
            assertThat(p.input().onHarmful()).isEqualTo(GuardAction.BLOCK);
            assertThat(p.output().onHarmful()).isEqualTo(GuardAction.REWRITE);
            assertThat(p.cache().size()).isEqualTo(1000);
            assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(120));
            assertThat(p.maxTokens()).isEqualTo(1024);
            assertThat(p.earlyStop()).isTrue();
            assertThat(p.audit().includeTexts()).isFalse();
            assertThat(p.audit().includeReasoning()).isFalse();
        });
    }

    @Test
    void bindsEveryPropertyIntoTheGuardAndItsPolicy() {
        runner.withPropertyValues(
                "guardreasoner.backend=localai",
                "guardreasoner.localai.base-urls=http://127.0.0.1:1/v1,http://127.0.0.1:2/v1",
                "guardreasoner.localai.model-name=gr-3b",
                "guardreasoner.localai.timeout=5s",
                "guardreasoner.input.on-harmful=rewrite",
                "guardreasoner.input.rewrite-message=Please decline.",
                "guardreasoner.output.on-harmful=reprompt",
                "guardreasoner.output.on-failure=allow",
                "guardreasoner.output.reprompt-over-refusal=true",
                "guardreasoner.cache.size=0",
                "guardreasoner.timeout=3s",
                "guardreasoner.max-tokens=300").run(context -> {
            GuardReasonerProperties p = context.getBean(GuardReasonerProperties.class);
            assertThat(p.localai().baseUrls()).containsExactly("http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1");
            assertThat(p.localai().modelName()).isEqualTo("gr-3b");
            assertThat(p.localai().timeout()).isEqualTo(Duration.ofSeconds(5));

            Guard guard = context.getBean(Guard.class);
            assertThat(guard.timeout()).isEqualTo(Duration.ofSeconds(3));
            Verdict harmfulRequest = Verdict.of(Harm.HARMFUL, null, null);
            assertThat(guard.policy().decide(Rail.INPUT, harmfulRequest)).isEqualTo(Decision.rewrite("Please decline."));
            Verdict harmfulAnswer = Verdict.of(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
            assertThat(guard.policy().decide(Rail.OUTPUT, harmfulAnswer)).isInstanceOf(Decision.Reprompt.class);
            Verdict overRefusal = Verdict.of(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
            assertThat(guard.policy().decide(Rail.OUTPUT, overRefusal)).isInstanceOf(Decision.Reprompt.class);
            assertThat(guard.policy().onFailure(Rail.OUTPUT,
                    io.guardreasoner.core.GuardFailure.of(io.guardreasoner.core.GuardFailure.Kind.TIMEOUT, "slow")))
                    .isEqualTo(Decision.allow());
        });
    }

    @Test
    void unknownActionFailsStartUpNamingTheProperty() {
        assertStartUpFails("guardreasoner.output.on-harmful=explode", "guardreasoner.output.on-harmful", "explode");
    }

    @Test
    void repromptOnTheInputRailFailsStartUpNamingTheProperty() {
        assertStartUpFails("guardreasoner.input.on-failure=reprompt", "guardreasoner.input.on-failure",
                "input rail cannot reprompt");
    }

    @Test
    void localAiBackendWithoutBaseUrlFailsStartUpNamingTheProperty() {
        assertStartUpFails("guardreasoner.backend=localai", "guardreasoner.localai.base-urls", "is required");
    }

    @Test
    void negativeCacheSizeFailsStartUpNamingTheProperty() {
        assertStartUpFails("guardreasoner.cache.size=-1", "guardreasoner.cache.size", "0 (no cache) or more");
    }

    @Test
    void nonHttpBaseUrlFailsStartUpNamingTheProperty() {
        assertStartUpFails("guardreasoner.localai.base-urls=localhost:8080", "guardreasoner.localai.base-urls[0]",
                "http://");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void springBootPrintsTheAnalysisThatNamesTheProperty(CapturedOutput output) {
        SpringApplication app = new SpringApplication(ScriptedBackend.class, GuardReasonerAutoConfiguration.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        assertThatThrownBy(() -> app.run("--guardreasoner.input.on-harmful=reprompt")).isInstanceOf(RuntimeException.class);
        assertThat(output).contains("Invalid GuardReasoner configuration", "Property: guardreasoner.input.on-harmful",
                "Value: \"reprompt\"", "the input rail cannot reprompt");
    }

    private void assertStartUpFails(String property, String expectedName, String expectedText) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            FailureAnalysis ours = new InvalidGuardReasonerPropertyFailureAnalyzer().analyze(failure);
            // Ours names the exact property; an unknown enum value is reported by Spring Boot's own binder,
            // whose exception names the property just as well.
            String report = ours != null ? ours.getDescription() : messages(failure);
            assertThat(report).contains(expectedName).contains(expectedText);
        });
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) all.append(t.getMessage()).append('\n');
        return all.toString();
    }
}
