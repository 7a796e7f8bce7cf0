package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.RailPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A Guard over real Jlama inference on random weights: the output never parses, so the incomplete rule decides. */
class JlamaGuardTest {

    @TempDir
    static Path tmp;

    static JlamaBackend backend;

    @BeforeAll
    static void load() {
        Path dir = LlamaModelWriter.builder().seed(11).build().write(tmp.resolve("guard-tiny"));
        backend = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache")).build();
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void randomWeightsGiveAnIncompleteVerdictSoTheInputRailsIncompleteActionApplies() {
        // Not closed per test: closing a Guard closes its backend, which the tests share.
        Guard guard = Guard.builder().backend(backend).maxTokens(24).timeout(Duration.ofSeconds(60))
                .inputPolicy(RailPolicy.inputDefaults().withOnIncomplete(GuardAction.REWRITE)).build();
        Assessment a = guard.checkRequest("How do I bake bread?");

        assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
        assertThat(a.failure()).isEmpty();
        assertThat(a.verdict()).hasValueSatisfying(v -> {
            assertThat(v.request()).isEmpty();
            assertThat(v.complete()).isFalse();
        });
        assertThat(a.decision()).isInstanceOf(Decision.Rewrite.class);
        assertThat(((Decision.Rewrite) a.decision()).text()).isEqualTo(RailPolicy.DEFAULT_INPUT_REWRITE);
        assertThat(a.promptTokens()).isPresent();
        assertThat(a.promptTokens().getAsInt()).isEqualTo(backend.countTokens(guard.prompt().render(
                io.guardreasoner.core.Exchange.request("How do I bake bread?"))));
        assertThat(a.generatedTokens()).isPresent();
        assertThat(a.modelId()).isEqualTo("guard-tiny");
    }

    @Test
    void prefillWhileTheAnswerStreamsInLeavesTheOutputRailsVerdictAsItWas() {
        String request = "How do I bake bread?";
        String answer = "Mix flour, water, salt and yeast; knead for ten minutes, let it rise, then bake it hot.";
        Path dir = LlamaModelWriter.builder().seed(11).build().write(tmp.resolve("guard-tiny-2"));
        JlamaBackend streamed = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache")).build();
        Guard reference = Guard.builder().backend(backend).maxTokens(24).timeout(Duration.ofSeconds(60)).cacheSize(0)
                .topLogprobs(5).build();
        try (Guard guard = Guard.builder().backend(streamed).maxTokens(24).timeout(Duration.ofSeconds(60))
                .topLogprobs(5).build()) {
            // As a streaming chat model hands the answer over: growing prefixes, cut anywhere.
            for (int end = 5; end < answer.length(); end += 13) guard.prefill(request, answer.substring(0, end));
            Assessment a = guard.checkResponse(request, answer);
            Assessment expected = reference.checkResponse(request, answer);

            assertThat(a.failure()).isEmpty();
            assertThat(a.verdict()).isEqualTo(expected.verdict());
            assertThat(a.generatedTokens()).isEqualTo(expected.generatedTokens());
            assertThat(a.promptTokens()).isEqualTo(expected.promptTokens());
            assertThat(a.decision()).isEqualTo(expected.decision());
        }
    }

    @Test
    void theOutputRailRewritesOnAnIncompleteVerdictByDefault() {
        Guard guard = Guard.builder().backend(backend).maxTokens(24).timeout(Duration.ofSeconds(60)).build();
        Assessment a = guard.checkResponse("How do I bake bread?", "Mix flour, water, salt and yeast.");

        assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
        assertThat(a.verdict()).hasValueSatisfying(v -> assertThat(v.response()).isEmpty());
        assertThat(a.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
    }
}
