package io.guardreasoner.spring;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Rail;
import io.guardreasoner.llamacpp.GgufConverter;
import io.guardreasoner.llamacpp.GgufType;
import io.guardreasoner.llamacpp.LlamaCppBackend;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter on real in-process llama.cpp, with a small random-weight model written and converted for the test. */
class LlamaCppStarterTest {

    private static final String LOCALAI = "guardreasoner.localai.base-urls=http://127.0.0.1:9/v1";

    @TempDir
    static Path tmp;

    private static Path modelDir;
    private static Path gguf;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(GuardReasonerBackendAutoConfiguration.class,
                    GuardReasonerAutoConfiguration.class, GuardReasonerHealthAutoConfiguration.class))
            .withPropertyValues("guardreasoner.max-tokens=8", "guardreasoner.timeout=60s");

    @BeforeAll
    static void writeModel() {
        modelDir = LlamaModelWriter.builder().build().write(tmp.resolve("tiny-guard"));
        gguf = GgufConverter.builder().type(GgufType.Q8_0).build().convert(modelDir, tmp.resolve("tiny-guard.q8_0.gguf"));
    }

    @Test
    void loadsAGgufAtStartUpWithASlotPerConcurrentCheckAndJudgesWithIt() {
        runner.withPropertyValues("guardreasoner.backend=llamacpp", "guardreasoner.llamacpp.gguf=" + gguf,
                "guardreasoner.llamacpp.load-on-startup=true", "guardreasoner.llamacpp.context-tokens=1024",
                "guardreasoner.max-concurrent=3").run(context -> {
            assertThat(context).hasNotFailed();
            LazyGuardBackend backend = (LazyGuardBackend) context.getBean(GuardBackend.class);
            assertThat(backend.isLoaded()).as("loaded while the context started").isTrue();
            assertThat(backend.load()).isInstanceOf(LlamaCppBackend.class);
            assertThat(backend.name()).isEqualTo("llamacpp");
            assertThat(backend.modelId()).isEqualTo("tiny-guard.q8_0").isEqualTo(backend.load().modelId());
            assertThat(backend.health().detail()).contains("3 slots x 1024 tokens", "KV cache F16");
            assertThat(context.getBean(GuardReasonerHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);

            // Random weights write no label: the verdict is incomplete, so the input policy blocks.
            Assessment a = context.getBean(Guard.class).checkRequest("How do I bake bread?");
            assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(a.generatedTokens().getAsInt()).isBetween(1, 8);
            assertThat(a.blocked()).isTrue();
        });
    }

    @Test
    void aModelFolderIsConvertedOnceIntoTheCacheFolderAtTheFirstCheck() throws Exception {
        Path cache = tmp.resolve("cache");
        runner.withPropertyValues("guardreasoner.backend=llamacpp", "guardreasoner.llamacpp.model-dir=" + modelDir,
                "guardreasoner.llamacpp.cache-dir=" + cache, "guardreasoner.llamacpp.type=q8_0",
                "guardreasoner.llamacpp.slots=2", "guardreasoner.llamacpp.kv-cache-type=f32",
                "guardreasoner.llamacpp.context-tokens=1024", "guardreasoner.llamacpp.threads=1").run(context -> {
            LazyGuardBackend backend = (LazyGuardBackend) context.getBean(GuardBackend.class);
            assertThat(backend.isLoaded()).as("lazy by default").isFalse();
            assertThat(backend.modelId()).isEqualTo("tiny-guard");

            assertThat(context.getBean(Guard.class).checkRequest("How do I bake bread?").source())
                    .isEqualTo(Assessment.Source.MODEL);

            assertThat(backend.health().detail()).contains("q8_0 weights", "2 slots", "KV cache F32", "1 threads");
            try (Stream<Path> files = Files.walk(cache)) {
                assertThat(files.filter(f -> f.toString().endsWith(".gguf")))
                        .singleElement().satisfies(f -> assertThat(f.getFileName()).hasToString("tiny-guard.q8_0.gguf"));
            }
        });
    }

    @Test
    void llamaCppIsNeverPickedWhenNoBackendIsNamed() {
        runner.withPropertyValues("guardreasoner.llamacpp.gguf=" + gguf).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean("guardReasonerLlamaCppBackendFactory");
            assertThat(context.getBean(GuardBackend.class).name()).isEqualTo("jlama");
        });
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.jlama", "io.guardreasoner.localai"))
                .withPropertyValues("guardreasoner.llamacpp.gguf=" + gguf).run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new MissingBackendArtifactFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("No GuardReasoner backend is on the class path");
                });
    }

    @Test
    void llamaCppServesAsTheFallbackBehindAServer() {
        runner.withPropertyValues("guardreasoner.backend=localai", LOCALAI, "guardreasoner.fallback=llamacpp",
                "guardreasoner.llamacpp.gguf=" + gguf, "guardreasoner.llamacpp.context-tokens=1024").run(context -> {
            FallbackBackend backend = (FallbackBackend) context.getBean(GuardBackend.class);
            assertThat(backend.primary()).isInstanceOf(LocalAiBackend.class);
            assertThat(backend.fallback().name()).isEqualTo("llamacpp");

            // Nothing listens on the primary's port: the check runs on llama.cpp.
            Assessment a = context.getBean(Guard.class).checkRequest("How do I bake bread?");
            assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
        });
    }

    @Test
    void oneRailRunsOnLlamaCppWithItsOwnModelWhileTheOtherKeepsTheGlobalBackend() {
        runner.withPropertyValues("guardreasoner.backend=localai", LOCALAI, "guardreasoner.input.backend=llamacpp",
                "guardreasoner.input.llamacpp.gguf=" + gguf, "guardreasoner.input.llamacpp.slots=1",
                "guardreasoner.llamacpp.context-tokens=1024").run(context -> {
            assertThat(context).hasNotFailed();
            Guard guard = context.getBean(Guard.class);
            assertThat(guard.backend(Rail.INPUT).name()).isEqualTo("llamacpp");
            assertThat(guard.backend(Rail.OUTPUT)).isSameAs(context.getBean(GuardBackend.class))
                    .isInstanceOf(LocalAiBackend.class);

            assertThat(guard.checkRequest("How do I bake bread?").source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(guard.backend(Rail.INPUT).health().detail()).contains("1 slots x 1024 tokens");
        });
    }

    @Test
    void aMissingArtifactFailsNamingGuardLlamacpp() {
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.llamacpp"))
                .withPropertyValues("guardreasoner.backend=llamacpp", "guardreasoner.llamacpp.gguf=" + gguf)
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new MissingBackendArtifactFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("guardreasoner.backend=llamacpp")
                            .contains("io.guardreasoner:guard-llamacpp");
                    assertThat(analysis.getAction()).contains("<artifactId>guard-llamacpp</artifactId>");
                });
        runner.withClassLoader(new FilteredClassLoader("io.guardreasoner.llamacpp"))
                .withPropertyValues("guardreasoner.output.backend=llamacpp", "guardreasoner.llamacpp.gguf=" + gguf)
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(MissingBackendArtifactException.class)
                        .hasMessageContaining("guardreasoner.output.backend=llamacpp")
                        .hasMessageContaining("io.guardreasoner:guard-llamacpp"));
    }

    @Test
    void badSettingsFailStartUpNamingTheProperty() {
        assertInvalid("guardreasoner.llamacpp.gguf=", "guardreasoner.backend=llamacpp");
        assertInvalid("guardreasoner.llamacpp.gguf=", "guardreasoner.backend=localai", LOCALAI,
                "guardreasoner.fallback=llamacpp");
        assertInvalid("guardreasoner.input.llamacpp.gguf=", "guardreasoner.input.backend=llamacpp");
        assertInvalid("guardreasoner.llamacpp.gguf=" + gguf, "guardreasoner.backend=llamacpp",
                "guardreasoner.llamacpp.gguf=" + gguf, "guardreasoner.llamacpp.model-dir=" + modelDir);
        assertInvalid("guardreasoner.llamacpp.slots=65", "guardreasoner.llamacpp.slots=65");
        assertInvalid("guardreasoner.llamacpp.threads=-1", "guardreasoner.llamacpp.threads=-1");
        assertInvalid("guardreasoner.llamacpp.context-tokens=8", "guardreasoner.llamacpp.context-tokens=8");
        assertInvalid("guardreasoner.output.llamacpp.slots=-1", "guardreasoner.output.llamacpp.slots=-1");
    }

    @Test
    void aBadGgufFailsTheCheckWithTheReasonAndTheApplicationStillStarts() throws Exception {
        Path html = Files.writeString(tmp.resolve("not-a-model.gguf"), "<html>Not found</html>");
        runner.withPropertyValues("guardreasoner.backend=llamacpp", "guardreasoner.llamacpp.gguf=" + html).run(context -> {
            assertThat(context).hasNotFailed();
            Assessment a = context.getBean(Guard.class).checkRequest("How do I bake bread?");
            assertThat(a.source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(a.blocked()).isTrue();
            assertThat(context.getBean(GuardBackend.class).health().detail()).contains("is not a GGUF file");
        });
    }

    private void assertInvalid(String messageStart, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidGuardReasonerPropertyException.class)
                    .hasMessageStartingWith(messageStart);
        });
    }
}
