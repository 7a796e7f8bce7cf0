package io.guardreasoner.localai;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.LabelConfidence;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.test.GuardReasonerOutputs;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardReasonerStubServer.LogprobsFormat;
import io.guardreasoner.test.StubRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Token probabilities and continuations over real HTTP: LocalAiBackend asks the stub for logprobs, reads them in
 * either shape servers send, cuts at the stop sequence the server stopped on, and continues from exactly there; the
 * Guard reads the label's probability from them and decides with it.
 */
class LocalAiTokenProbabilitiesTest {

    private static final GuardPrompt PROMPT = GuardPrompt.modelCard();
    private static final String KNIFE = "Where can I buy a kitchen knife?";
    private static final String KNIFE_PROMPT = PROMPT.render(Exchange.request(KNIFE));
    private static final GenerationOptions OPTIONS = GenerationOptions.maxTokens(1024);

    /** Task 1 and Task 3 hedge, so a guard that stops early must go on to the answer block. */
    private static final String HEDGING = "# Task 1\n\n## Reasoning Step 1\nIt could go either way.\n\n"
            + "## Conclusion\nThe request is not clearly either.\n\n# Task 2\n\n## Conclusion\nThe AI assistant's "
            + "response is compliance.\n\n# Task 3\n\n## Conclusion\nThat depends on who reads it.\n\n---\n\n"
            + "Answers: \nRequest: harmful\nCompletion: compliance\nResponse: harmful\n";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private GuardReasonerStubServer stub(LogprobsFormat format) {
        GuardReasonerStubServer stub = GuardReasonerStubServer.builder().logprobsFormat(format).start();
        open.add(stub);
        return stub;
    }

    private LocalAiBackend backend(GuardReasonerStubServer stub) {
        LocalAiBackend backend = LocalAiBackend.builder().baseUrl(stub.url()).timeout(Duration.ofSeconds(10)).build();
        open.add(backend);
        return backend;
    }

    private Guard guard(GuardReasonerStubServer stub, RailPolicy input) {
        Guard guard = Guard.builder().backend(backend(stub)).inputPolicy(input).cacheSize(0).build();
        open.add(guard);
        return guard;
    }

    // ---------------------------------------------------------------- the request

    @Test
    void asksForLogprobsAndTopLogprobsOnlyWhenTheOptionsDo() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        LocalAiBackend backend = backend(stub);

        backend.generate(KNIFE_PROMPT, OPTIONS.withTopLogprobs(3));
        Map<String, Object> asked = stub.lastCompletionRequest().json();
        backend.generate(KNIFE_PROMPT, OPTIONS);
        Map<String, Object> notAsked = stub.lastCompletionRequest().json();

        // vLLM and llama.cpp read "logprobs" as the number of alternatives; LocalAI reads it as a switch and takes
        // the number from "top_logprobs".
        assertThat(asked).containsEntry("logprobs", 3).containsEntry("top_logprobs", 3);
        assertThat(asked.keySet()).containsExactly("model", "prompt", "max_tokens", "temperature", "stream",
                "logprobs", "top_logprobs");
        assertThat(notAsked.keySet()).containsExactly("model", "prompt", "max_tokens", "temperature", "stream");
    }

    // ---------------------------------------------------------------- reading them

    @Test
    void readsOpenAiShapedProbabilitiesIntoTheGenerationsTokens() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        stub.script().whenRequestContains("knife").answer(Harm.UNHARMFUL, null, null).withProbability(0.62);

        Generation g = backend(stub).generate(KNIFE_PROMPT, OPTIONS.withTopLogprobs(5));

        assertThat(g.text()).isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null));
        assertThat(Logprobs.join(g.tokens())).isEqualTo(g.text());
        List<GeneratedToken> labels = g.tokens().stream().filter(t -> t.text().equals(" unharmful")).toList();
        assertThat(labels).hasSize(2).allSatisfy(label -> {
            assertThat(label.probability()).isCloseTo(0.62, within(1e-9));
            assertThat(label.top()).extracting(GeneratedToken.Alternative::text).containsExactly(" unharmful", " harmful");
            assertThat(label.top().get(1).probability()).isCloseTo(0.38, within(1e-9));
        });
        assertThat(g.tokens()).filteredOn(t -> !labels.contains(t)).allSatisfy(t -> assertThat(t.logprob()).isZero());
    }

    @Test
    void readsLlamaCppShapedProbabilitiesIntoTheGenerationsTokens() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.LLAMA_CPP);
        stub.script().whenRequestContains("knife").answer(Harm.HARMFUL, null, null).withProbability(0.9);

        Generation g = backend(stub).generate(KNIFE_PROMPT, OPTIONS.withTopLogprobs(2).withStopSequences(List.of("# Task 2")));

        assertThat(g.cut()).isEqualTo("# Task 2");
        // llama.cpp drops the stop sequence's tokens: the tokens spell the text, not the cut.
        assertThat(Logprobs.join(g.tokens())).isEqualTo(g.text());
        GeneratedToken label = g.tokens().stream().filter(t -> t.text().equals(" harmful")).findFirst().orElseThrow();
        assertThat(label.probability()).isCloseTo(0.9, within(1e-9));
        assertThat(label.top().get(1).text()).isEqualTo(" unharmful");
    }

    @Test
    void aServerThatSendsNoProbabilitiesGivesNoTokensAndNoConfidence() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.NONE);

        Generation g = backend(stub).generate(KNIFE_PROMPT, OPTIONS.withTopLogprobs(5));
        Assessment a = guard(stub, RailPolicy.inputDefaults().withHarmfulThreshold(0.3)).checkRequest(KNIFE);

        assertThat(g.tokens()).isEmpty();
        assertThat(stub.lastCompletionRequest().logprobs()).isEqualTo(5);
        // Without a probability the threshold has nothing to go on: the label decides.
        assertThat(a.verdict().orElseThrow().confidence().isEmpty()).isTrue();
        assertThat(a.decision()).isEqualTo(Decision.allow());
    }

    @Test
    void tokensThatDoNotSpellTheTextAreDropped() {
        // vLLM before it decoded tokens sent byte-level pieces ("Ġharmful"); they are not this text's tokens.
        CompletionsClient.Reply byteLevel = CompletionsClient.reply("http://x/v1", "m", """
                {"choices": [{"text": "Request: harmful", "finish_reason": "length", "logprobs": {
                  "tokens": ["Request", ":", "Ġharmful"], "token_logprobs": [0.0, 0.0, -0.1],
                  "top_logprobs": [{"Request": 0.0}, {":": 0.0}, {"Ġharmful": -0.1, "Ġunharmful": -2.3}],
                  "text_offset": [0, 7, 8]}}]}""");
        CompletionsClient.Reply lengthsDiffer = CompletionsClient.reply("http://x/v1", "m", """
                {"choices": [{"text": "Request: harmful", "finish_reason": "length", "logprobs": {
                  "tokens": ["Request", ":", " harmful"], "token_logprobs": [0.0, 0.0]}}]}""");

        assertThat(byteLevel.tokens()).hasSize(3);
        assertThat(byteLevel.toGeneration(OPTIONS).tokens()).isEmpty();
        assertThat(lengthsDiffer.tokens()).isEmpty();
    }

    @Test
    void readsTheChatShapeLlamaCppSendsWithItsIdsAndBytes() {
        // As llama.cpp's server writes /v1/completions logprobs (completion_token_output::probs_vector_to_json).
        CompletionsClient.Reply reply = CompletionsClient.reply("http://x/v1", "m", """
                {"choices": [{"text": " harmful", "index": 0, "finish_reason": "stop", "logprobs": {"content": [
                  {"id": 28856, "token": " harmful", "bytes": [32,104,97,114,109,102,117,108], "logprob": -0.105,
                   "top_logprobs": [{"id": 28856, "token": " harmful", "bytes": [], "logprob": -0.105},
                                    {"id": 653, "token": " un", "bytes": [], "logprob": -2.303}]}]}}],
                 "usage": {"completion_tokens": 1, "prompt_tokens": 900, "total_tokens": 901}}""");

        Generation g = reply.toGeneration(OPTIONS.withStopSequences(List.of("\n")));

        assertThat(g.tokens()).singleElement().satisfies(t -> {
            assertThat(t.text()).isEqualTo(" harmful");
            assertThat(t.top()).extracting(GeneratedToken.Alternative::text).containsExactly(" harmful", " un");
        });
        assertThat(g.cut()).isEqualTo("\n");
        assertThat(g.promptTokens()).hasValue(900);
    }

    // ---------------------------------------------------------------- cut

    @Test
    void cutIsTheStopSequenceTheServerStoppedOnSoThatTextAndCutAreWhatTheModelWrote() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        String full = GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null);

        Generation g = backend(stub).generate(KNIFE_PROMPT, OPTIONS.withTopLogprobs(1).withStopSequences(List.of("# Task 2")));

        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(g.text()).doesNotContain("# Task 2");
        assertThat(g.cut()).isEqualTo("# Task 2");
        assertThat(full).startsWith(g.written());
        // vLLM-like: the tokens that wrote the stop sequence come too, so the tokens spell all the model wrote.
        assertThat(Logprobs.join(g.tokens())).isEqualTo(g.written());
    }

    @Test
    void whenTheClientCutsTheCutIsTheTextFromTheStopOnAndTheTokensEndWithTheStop() {
        // A server that ignored "stop": the client cuts, and keeps the tokens up to the end of the stop sequence.
        CompletionsClient.Reply reply = CompletionsClient.reply("http://x/v1", "m", """
                {"choices": [{"text": "is unharmful.\\n\\n# Task 2\\n\\nMore", "finish_reason": "length", "logprobs": {
                  "tokens": ["is", " unharmful", ".", "\\n\\n", "#", " Task", " 2", "\\n\\n", "More"],
                  "token_logprobs": [0, -0.2, 0, 0, 0, 0, 0, 0, 0]}}]}""");

        Generation g = reply.toGeneration(OPTIONS.withStopSequences(List.of("# Task 2")));

        assertThat(g.text()).isEqualTo("is unharmful.\n\n");
        assertThat(g.cut()).isEqualTo("# Task 2\n\nMore");
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(Logprobs.join(g.tokens())).isEqualTo("is unharmful.\n\n# Task 2");
    }

    @Test
    void withSeveralStopSequencesTheCutIsTheOneNamedOrSpelledElseNone() {
        GenerationOptions two = OPTIONS.withStopSequences(List.of("# Task 2", "\nAnswers:"));
        String named = """
                {"choices": [{"text": "Task 1 done.\\n\\n", "finish_reason": "stop", "stop_reason": "# Task 2"}]}""";
        String spelled = """
                {"choices": [{"text": "done.\\n", "finish_reason": "stop", "logprobs": {
                  "tokens": ["done", ".", "\\n", "\\nAnswers", ":"], "token_logprobs": [0, 0, 0, 0, 0]}}]}""";
        String unknown = """
                {"choices": [{"text": "Task 1 done.\\n\\n", "finish_reason": "stop"}]}""";

        // vLLM names the stop sequence in stop_reason.
        assertThat(CompletionsClient.reply("u", "m", named).toGeneration(two).cut()).isEqualTo("# Task 2");
        // vLLM and OpenAI send the tokens that wrote it.
        Generation fromTokens = CompletionsClient.reply("u", "m", spelled).toGeneration(two);
        assertThat(fromTokens.cut()).isEqualTo("\nAnswers:");
        assertThat(Logprobs.join(fromTokens.tokens())).isEqualTo("done.\n\nAnswers:");
        // Nothing says which: no cut, so a continuation lets the model write the stop sequence again.
        Generation neither = CompletionsClient.reply("u", "m", unknown).toGeneration(two);
        assertThat(neither.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(neither.cut()).isEmpty();
        // With one stop sequence sent, a server-side stop was that one.
        assertThat(CompletionsClient.reply("u", "m", unknown).toGeneration(OPTIONS.withStopSequences(List.of("# Task 2")))
                .cut()).isEqualTo("# Task 2");
    }

    @Test
    void aStopAtTheTokenLimitIsALimitWhateverTheFinishReasonSays() {
        // LocalAI's completions endpoint reports "stop" for every choice, one cut by max_tokens too.
        String full = """
                {"choices": [{"text": "# Task 1\\n\\n## Reasoning", "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 900, "completion_tokens": 5, "total_tokens": 905}}""";

        Generation g = CompletionsClient.reply("u", "m", full)
                .toGeneration(GenerationOptions.maxTokens(5).withStopSequences(List.of("# Task 2")));

        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
        assertThat(g.cut()).isEmpty();
    }

    // ---------------------------------------------------------------- resume

    @Test
    void resumeThroughTheStubGivesTheFullAnswerAndGoesOnFromTheTextAndTheStop() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        LocalAiBackend backend = backend(stub);
        for (Exchange exchange : List.of(Exchange.request(KNIFE), Exchange.of(KNIFE, "At any kitchen shop."))) {
            String prompt = PROMPT.render(exchange);
            String stop = exchange.hasResponse() ? "\nAnswers:" : "# Task 2";
            String full = stub.script().answer(exchange);
            stub.reset();

            Generation stopped = backend.generate(prompt, OPTIONS.withTopLogprobs(5).withStopSequences(List.of(stop)));
            Generation all = backend.resume(prompt, stopped, OPTIONS.withTopLogprobs(5));

            assertThat(all.text()).isEqualTo(full);
            assertThat(stopped.followedBy(backend.generate(prompt + stopped.written(), OPTIONS)).text()).isEqualTo(full);
            List<StubRequest> sent = stub.completionRequests();
            assertThat(sent.get(1).prompt()).isEqualTo(prompt + stopped.text() + stop);
            assertThat(sent.get(1).stop()).isEmpty();
            // Both parts' tokens, in place: together they spell the whole answer.
            assertThat(Logprobs.join(all.tokens())).isEqualTo(full);
            assertThat(all.finishReason()).isEqualTo(Generation.FinishReason.END_OF_TEXT);
        }
    }

    @Test
    void resumeAfterAServerThatDropsTheStopSequencesTokensKeepsOnlyTheFirstPartsTokens() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.LLAMA_CPP);
        LocalAiBackend backend = backend(stub);

        Generation stopped = backend.generate(KNIFE_PROMPT, OPTIONS.withTopLogprobs(5).withStopSequences(List.of("# Task 2")));
        Generation all = backend.resume(KNIFE_PROMPT, stopped, OPTIONS.withTopLogprobs(5));

        assertThat(all.text()).isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null));
        // The gap where "# Task 2" stands has no probabilities, so the continuation's cannot be placed: only the
        // first part's tokens, which spell the start of the text, stay.
        assertThat(stopped.tokens()).isNotEmpty();
        assertThat(Logprobs.join(stopped.tokens())).isEqualTo(stopped.text());
        assertThat(all.tokens()).isEqualTo(stopped.tokens());
    }

    // ---------------------------------------------------------------- through the Guard

    @Test
    void theLabelsProbabilityReachesTheVerdictOnBothRails() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        stub.script().whenResponseContains("sharpen").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)
                .withProbability(0.75)
                .whenRequestContains("knife").answer(Harm.UNHARMFUL, null, null).withProbability(0.62);
        Guard guard = guard(stub, RailPolicy.inputDefaults());

        LabelConfidence request = guard.checkRequest(KNIFE).verdict().orElseThrow().confidence().request().orElseThrow();
        Assessment output = guard.checkResponse(KNIFE, "Sharpen it first, then ...");
        LabelConfidence response = output.verdict().orElseThrow().confidence().response().orElseThrow();

        assertThat(request.label()).isEqualTo(Harm.UNHARMFUL);
        assertThat(request.probability()).isCloseTo(0.62, within(1e-9));
        assertThat(request.probabilityOf(Harm.HARMFUL)).isCloseTo(0.38, within(1e-9));
        assertThat(response.label()).isEqualTo(Harm.HARMFUL);
        assertThat(response.probability()).isCloseTo(0.75, within(1e-9));
        // Both read after an early stop, from one request each.
        assertThat(stub.completionRequests()).extracting(StubRequest::stop)
                .containsExactly(List.of("# Task 2"), List.of("\nAnswers:"));
    }

    @Test
    void aHarmfulThresholdBlocksARequestWhoseGreedyLabelIsUnharmfulButLikelyHarmful() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        stub.script().whenRequestContains("knife").answer(Harm.UNHARMFUL, null, null).withProbability(0.6);

        Assessment strict = guard(stub, RailPolicy.inputDefaults().withHarmfulThreshold(0.3)).checkRequest(KNIFE);
        Assessment byLabel = guard(stub, RailPolicy.inputDefaults()).checkRequest(KNIFE);

        assertThat(strict.verdict().flatMap(Verdict::request)).contains(Harm.UNHARMFUL);
        assertThat(strict.verdict().orElseThrow().confidence().request().orElseThrow().probabilityOf(Harm.HARMFUL))
                .isCloseTo(0.4, within(1e-9));
        assertThat(strict.decision()).isInstanceOf(Decision.Block.class);
        assertThat(byLabel.decision()).isEqualTo(Decision.allow());
    }

    @Test
    void aGuardContinuesAnEarlyStoppedGenerationWithoutALabelOnBothRailsAndReadsTheLabelsProbability() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        stub.script().when(e -> true).reply(HEDGING).withProbability(0.7);
        Guard guard = guard(stub, RailPolicy.inputDefaults());

        for (Rail rail : Rail.values()) {
            stub.reset();
            Exchange exchange = rail == Rail.INPUT ? Exchange.request(KNIFE) : Exchange.of(KNIFE, "Any kitchen shop.");
            String stop = rail == Rail.INPUT ? "# Task 2" : "\nAnswers:";

            Assessment a = guard.assess(exchange, rail);

            List<StubRequest> sent = stub.completionRequests();
            assertThat(sent).hasSize(2);
            assertThat(sent.get(1).prompt()).isEqualTo(sent.get(0).prompt() + HEDGING.substring(0, HEDGING.indexOf(stop)) + stop);
            Verdict verdict = a.verdict().orElseThrow();
            assertThat(verdict.raw()).isEqualTo(HEDGING);
            LabelConfidence needed = (rail == Rail.INPUT ? verdict.confidence().request() : verdict.confidence().response())
                    .orElseThrow();
            assertThat(needed.label()).isEqualTo(Harm.HARMFUL);
            assertThat(needed.probability()).isCloseTo(0.7, within(1e-9));
            assertThat(a.decision()).isInstanceOfAny(Decision.Block.class, Decision.Rewrite.class);
        }
    }

    @Test
    void theLabelProbeReadsTheRecordedRequestLabelAndItsProbability() {
        GuardReasonerStubServer stub = stub(LogprobsFormat.OPENAI);
        stub.script().when(e -> true).reply(HEDGING).withProbability(0.55);
        Guard guard = Guard.builder().backend(backend(stub)).labelProbe(true).cacheSize(0).build();
        open.add(guard);

        Assessment a = guard.checkRequest(KNIFE);

        List<StubRequest> sent = stub.completionRequests();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).prompt()).endsWith("The request is not clearly either.\n\n---\n\nAnswers: \nRequest:");
        assertThat(sent.get(1).maxTokens()).isEqualTo(4);
        assertThat(a.verdict().flatMap(Verdict::request)).contains(Harm.HARMFUL);
        assertThat(a.verdict().orElseThrow().confidence().request().orElseThrow().probability()).isCloseTo(0.55, within(1e-9));
    }
}
