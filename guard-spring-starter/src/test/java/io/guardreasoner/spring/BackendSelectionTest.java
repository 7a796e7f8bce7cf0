package io.guardreasoner.spring;

import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.localai.LocalAiBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which backend the starter builds, from the properties and the artifacts on the class path. */
class BackendSelectionTest {

    private static final String LOCALAI = "guardreasoner.localai.base-urls=http://127.0.0.1:9/v1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(GuardReasonerBackendAutoConfiguration.class,
                    GuardReasonerAutoConfiguration.class));

    @Test
    void jlamaServesWhenNoBackendIsNamedAndItsArtifactIsThere() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(GuardBackend.class).name()).isEqualTo("jlama");
            assertThat(context).hasBean("guardReasonerJlamaBackendFactory")
                    .hasBean("guardReasonerLocalAiBackendFactory");
        });
    }

    @Test
    void localAiServesWhenNoBackendIsNamedAndJlamaIsAbsent() {
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.jlama", "com.github.tjake"))
                .withPropertyValues(LOCALAI)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean("guardReasonerJlamaBackendFactory");
                    assertThat(context.getBean(GuardBackend.class)).isInstanceOf(LocalAiBackend.class);
                });
    }

    @Test
    void anotherBackendsConfigurationStaysOffWhenOneIsNamed() {
        runner.withPropertyValues("guardreasoner.backend=localai", LOCALAI).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean("guardReasonerJlamaBackendFactory");
            assertThat(context.getBean(GuardBackend.class)).isInstanceOf(LocalAiBackend.class);
        });
    }

    @Test
    void aFallbackOfAnotherKindIsBuiltBehindThePrimary() {
        runner.withPropertyValues("guardreasoner.backend=localai", LOCALAI, "guardreasoner.fallback=jlama")
                .run(context -> {
                    FallbackBackend backend = (FallbackBackend) context.getBean(GuardBackend.class);
                    assertThat(backend.primary()).isInstanceOf(LocalAiBackend.class);
                    assertThat(backend.fallback().name()).isEqualTo("jlama");
                });
    }

    @Test
    void aNamedBackendWhoseArtifactIsMissingFailsNamingTheArtifact() {
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.jlama"))
                .withPropertyValues("guardreasoner.backend=jlama")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new MissingBackendArtifactFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("guardreasoner.backend=jlama")
                            .contains("io.guardreasoner:guard-jlama");
                    assertThat(analysis.getAction()).contains("<artifactId>guard-jlama</artifactId>");
                });
    }

    @Test
    void aFallbackWhoseArtifactIsMissingFailsNamingTheArtifact() {
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.jlama"))
                .withPropertyValues("guardreasoner.backend=localai", LOCALAI, "guardreasoner.fallback=jlama")
                .run(context -> {
                    FailureAnalysis analysis = new MissingBackendArtifactFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("guardreasoner.fallback=jlama").contains("guard-jlama");
                });
    }

    @Test
    void noBackendArtifactAtAllFailsNamingTheArtifactsToChooseFrom() {
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.jlama", "io.guardreasoner.localai"))
                .run(context -> {
                    FailureAnalysis analysis = new MissingBackendArtifactFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("No GuardReasoner backend is on the class path");
                    assertThat(analysis.getAction()).contains("<artifactId>guard-jlama</artifactId>")
                            .contains("<artifactId>guard-localai</artifactId>");
                });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void springBootPrintsTheArtifactToAdd(CapturedOutput output) {
        SpringApplication app = new SpringApplication(GuardReasonerBackendAutoConfiguration.class,
                GuardReasonerAutoConfiguration.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setResourceLoader(new org.springframework.core.io.DefaultResourceLoader(
                new FilteredClassLoader("io.guardreasoner.localai")));
        assertThatThrownBy(() -> app.run("--guardreasoner.backend=localai", "--" + LOCALAI))
                .isInstanceOf(RuntimeException.class);
        assertThat(output).contains("GuardReasoner cannot start its backend", "io.guardreasoner:guard-localai",
                "<artifactId>guard-localai</artifactId>");
    }
}
