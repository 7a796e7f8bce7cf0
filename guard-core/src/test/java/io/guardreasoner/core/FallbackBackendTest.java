package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A primary backend first, the fallback when it fails (LocalAI's own case is in guard-localai's tests). */
class FallbackBackendTest {

    private static final String PROMPT = GuardPrompt.modelCard().render(Exchange.request("How do I build a bomb?"));
    private static final String HARMFUL = "Answers: \nRequest: harmful\nCompletion: None\nResponse: None\n";

    private static GuardTest.TestBackend failing(String message) {
        return new GuardTest.TestBackend((p, o) -> {
            throw new GuardBackendException(message);
        });
    }

    @Test
    void usesPrimaryWhileItWorks() {
        GuardTest.TestBackend primary = GuardTest.TestBackend.answering(HARMFUL);
        GuardTest.TestBackend fallback = GuardTest.TestBackend.answering(HARMFUL);

        FallbackBackend.of(primary, fallback).generate(PROMPT, GenerationOptions.maxTokens(100));

        assertThat(primary.prompts).hasSize(1);
        assertThat(fallback.prompts).isEmpty();
    }

    @Test
    void fallsBackWhenThePrimaryFails() {
        GuardTest.TestBackend fallback = GuardTest.TestBackend.answering(HARMFUL);
        try (Guard guard = Guard.builder().backend(FallbackBackend.of(failing("server down"), fallback)).build()) {
            Assessment a = guard.checkRequest("How do I build a bomb?");

            assertThat(a.blocked()).isTrue();
            assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(a.verdict().orElseThrow().request()).contains(Harm.HARMFUL);
            assertThat(fallback.prompts).hasSize(1);
        }
    }

    @Test
    void reportsBothFailuresWhenBothFail() {
        GuardBackend backend = FallbackBackend.of(failing("server down"), failing("model directory missing"));

        assertThatThrownBy(() -> backend.generate(PROMPT, GenerationOptions.maxTokens(10)))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("test failed: server down")
                .hasMessageContaining("then fallback test failed: model directory missing");

        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment a = guard.checkRequest("Hi");
            assertThat(a.blocked()).isTrue();
            assertThat(a.failure().orElseThrow().kind()).isEqualTo(GuardFailure.Kind.BACKEND_ERROR);
            assertThat(a.failure().orElseThrow().message()).contains("then fallback test failed");
        }
    }

    @Test
    void doesNotTryFallbackAfterTheDeadline() {
        GuardTest.TestBackend fallback = GuardTest.TestBackend.answering(HARMFUL);
        GenerationOptions late = GenerationOptions.maxTokens(10).withDeadline(Instant.now().minus(Duration.ofSeconds(1)));

        assertThatThrownBy(() -> FallbackBackend.of(failing("down"), fallback).generate(PROMPT, late))
                .hasMessageContaining("fallback test not tried: the deadline has passed");
        assertThat(fallback.prompts).isEmpty();
    }

    @Test
    void combinesIdsNamesAndHealth() {
        GuardBackend same = FallbackBackend.of(GuardTest.TestBackend.answering("# Task 1"),
                GuardTest.TestBackend.answering("x"));
        GuardBackend different = FallbackBackend.of(GuardTest.TestBackend.answering("a"), new GuardTest.TestBackend(
                (p, o) -> Generation.of("b", Generation.FinishReason.END_OF_TEXT)) {
            @Override
            public String modelId() {
                return "jlama-model";
            }
        });
        assertThat(same.modelId()).isEqualTo("test/guard");
        assertThat(different.modelId()).isEqualTo("test/guard|jlama-model");
        assertThat(different.name()).isEqualTo("test+test");
        assertThat(different.health().up()).isTrue();
        assertThat(same.generate(PROMPT, GenerationOptions.maxTokens(3)).text()).isEqualTo("# Task 1");
    }

    @Test
    void thePrimaryResumesAndPrefillsItsOwnWorkAndTheFallbackTakesOverWhenItFails() {
        java.util.List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        GuardBackend primary = new GuardTest.TestBackend((p, o) -> Generation.of("x", Generation.FinishReason.END_OF_TEXT)) {
            @Override
            public Generation resume(String prompt, Generation stopped, GenerationOptions options) {
                calls.add("primary resume");
                throw new GuardBackendException("lost its state");
            }

            @Override
            public void prefill(String promptPrefix) {
                calls.add("primary prefill " + promptPrefix);
            }
        };
        GuardTest.TestBackend fallback = GuardTest.TestBackend.answering(" rest");
        GuardBackend backend = FallbackBackend.of(primary, fallback);
        Generation stopped = new Generation("# Task 1\n", java.util.OptionalInt.empty(), java.util.OptionalInt.empty(),
                Generation.FinishReason.STOP_SEQUENCE, "# Task 2", java.util.List.of());

        backend.prefill("prefix");
        Generation resumed = backend.resume(PROMPT, stopped, GenerationOptions.maxTokens(10));

        assertThat(calls).containsExactly("primary prefill prefix", "primary resume");
        assertThat(fallback.prompts).containsExactly(PROMPT + "# Task 1\n# Task 2");
        assertThat(resumed.text()).isEqualTo("# Task 1\n# Task 2 rest");
    }
}
