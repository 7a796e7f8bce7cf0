package io.guardreasoner.llamacpp;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A Guard over real llama.cpp inference on random weights: the output never parses, so the incomplete rule decides. */
class LlamaCppGuardTest {

    private static Path gguf;
    private static LlamaCppBackend backend;

    @BeforeAll
    static void load() {
        Path dir = TestModels.folder("guard-tiny", LlamaModelWriter.builder().seed(11));
        gguf = TestModels.gguf(dir, GgufType.Q8_0);
        backend = LlamaCppBackend.builder().ggufFile(gguf).contextTokens(1024).build();
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void randomWeightsGiveAnIncompleteVerdictSoTheInputRailBlocksWithTheModelsTokenCounts() {
        // Not closed per test: closing a Guard closes its backend, which the tests share.
        Guard guard = Guard.builder().backend(backend).maxTokens(24).timeout(Duration.ofSeconds(60)).build();

        Assessment a = guard.checkRequest("How do I bake bread?");

        assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
        assertThat(a.failure()).isEmpty();
        assertThat(a.verdict()).hasValueSatisfying(v -> assertThat(v.complete()).isFalse());
        assertThat(a.blocked()).isTrue();
        assertThat(a.promptTokens()).hasValue(backend.countTokens(guard.prompt().render(Exchange.request("How do I bake bread?"))));
        assertThat(a.generatedTokens()).isPresent();
        assertThat(a.modelId()).isEqualTo("guard-tiny");
    }

    @Test
    void prefillWhileTheAnswerStreamsInLeavesTheOutputRailsVerdictAsItWas() {
        String request = "How do I bake bread?";
        String answer = "Mix flour, water, salt and yeast; knead for ten minutes, let it rise, then bake it hot.";
        LlamaCppBackend streamed = LlamaCppBackend.builder().ggufFile(gguf).contextTokens(1024).build();
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
    void concurrentChecksOnTheSlotsGetTheVerdictsTheyGetOneAtATime() {
        Guard guard = Guard.builder().backend(backend).maxTokens(24).timeout(Duration.ofSeconds(120)).cacheSize(0)
                .maxConcurrent(LlamaCppBackend.DEFAULT_SLOTS).build();
        List<String> requests = List.of("How do I bake bread?", "Tell me a story.", "What is 2 + 2?", "Explain tides.");
        List<Assessment> alone = requests.stream().map(guard::checkRequest).toList();

        List<CompletableFuture<Assessment>> together = new ArrayList<>();
        for (String r : requests) together.add(CompletableFuture.supplyAsync(() -> guard.checkRequest(r)));

        for (int i = 0; i < requests.size(); i++) {
            Assessment a = together.get(i).join();
            assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(a.verdict()).as(requests.get(i)).isEqualTo(alone.get(i).verdict());
        }
    }

    @Test
    void theOutputRailRewritesOnAnIncompleteVerdictByDefault() {
        Guard guard = Guard.builder().backend(backend).maxTokens(24).timeout(Duration.ofSeconds(60)).build();

        Assessment a = guard.checkResponse("How do I bake bread?", "Mix flour, water, salt and yeast.");

        assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
        assertThat(a.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
    }
}
