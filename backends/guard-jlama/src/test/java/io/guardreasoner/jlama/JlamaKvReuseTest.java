package io.guardreasoner.jlama;

import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KV states kept across calls (real Jlama inference on random weights, generating through end-of-text): reuse, resume
 * and prefill save prompt work and never change a generated token.
 */
class JlamaKvReuseTest {

    private static final String REQUEST = "How do I bake bread at home? Asking for a friend: 日本語, ½ cup, naïve café.";
    private static final String RESPONSE = "Mix 500 g flour, 350 ml water, 10 g salt and 5 g yeast; knead, rest 2 h, "
            + "shape, proof 1 h, then bake at 230 °C for 35 minutes until golden.";
    private static final int TOKENS = 40;

    @TempDir
    static Path tmp;

    static Path modelDir;
    /** The backend under test: instruction pinned, four recent sequences kept. */
    static JlamaBackend cached;
    /** Computes every prompt from scratch: the reference. */
    static JlamaBackend fresh;

    @BeforeAll
    static void load() {
        modelDir = LlamaModelWriter.builder().seed(23).build().write(tmp.resolve("tiny"));
        cached = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache")).ignoreEndOfText(true).build();
        fresh = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache")).ignoreEndOfText(true)
                .prefixReuse(false).kvCacheEntries(0).build();
    }

    @AfterAll
    static void close() {
        cached.close();
        fresh.close();
    }

    private static GenerationOptions options(int maxTokens) {
        return GenerationOptions.maxTokens(maxTokens).withTopLogprobs(5);
    }

    @Test
    void aStoppedGenerationResumedEqualsOneGenerationTokenForToken() {
        String prompt = GuardPrompt.modelCard().render(Exchange.request(REQUEST));
        Generation single = fresh.generate(prompt, options(TOKENS));
        String stop = stopInTheMiddleOf(single.text());

        Generation stopped = cached.generate(prompt, options(TOKENS).withStopSequences(List.of(stop)));
        long before = cached.prefilledPositions();
        Generation resumed = cached.resume(prompt, stopped, options(TOKENS - stopped.generatedTokens().getAsInt()));

        assertThat(stopped.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(stopped.cut()).startsWith(stop);
        assertThat(stopped.generatedTokens().getAsInt()).isLessThan(TOKENS);
        // Only the token that held the stop sequence is run: everything before it comes from the kept state.
        assertThat(cached.prefilledPositions() - before).isEqualTo(1);
        assertThat(resumed.text()).isEqualTo(single.text());
        assertThat(resumed.generatedTokens()).isEqualTo(single.generatedTokens()).hasValue(TOKENS);
        assertThat(resumed.promptTokens()).isEqualTo(single.promptTokens());
        assertThat(resumed.tokens()).isEqualTo(single.tokens()).hasSize(TOKENS);
        assertThat(resumed.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
        // Random text does not tokenize back to the ids that wrote it: going on from the text would not be exact.
        assertThat(cached.countTokens(prompt + stopped.written()))
                .isNotEqualTo(stopped.promptTokens().getAsInt() + stopped.generatedTokens().getAsInt());
    }

    @Test
    void aResumeStillGoesOnFromTheStoppedTokensAfterAnotherPromptSharedThem() {
        String prompt = GuardPrompt.modelCard().render(Exchange.request("Tell me how to fix a bike chain."));
        Generation single = fresh.generate(prompt, options(TOKENS));
        String stop = stopInTheMiddleOf(single.text());
        Generation stopped = cached.generate(prompt, options(TOKENS).withStopSequences(List.of(stop)));

        // Like the label probe: a prompt made of the stopped text plus something else starts from the kept state.
        cached.generate(prompt + stopped.text() + "\nAnswers: \nRequest:", options(2));
        long before = cached.prefilledPositions();
        Generation resumed = cached.resume(prompt, stopped, options(TOKENS - stopped.generatedTokens().getAsInt()));

        assertThat(cached.prefilledPositions() - before).isEqualTo(1);
        assertThat(resumed.text()).isEqualTo(single.text());
        assertThat(resumed.tokens()).isEqualTo(single.tokens());
    }

    @Test
    void withoutKeptStatesResumeGoesOnFromTheText() {
        String prompt = GuardPrompt.modelCard().render(Exchange.request(REQUEST));
        String stop = stopInTheMiddleOf(fresh.generate(prompt, options(TOKENS)).text());
        Generation stopped = fresh.generate(prompt, options(TOKENS).withStopSequences(List.of(stop)));

        Generation resumed = fresh.resume(prompt, stopped, options(8));

        assertThat(resumed.text()).startsWith(stopped.written());
        assertThat(resumed.generatedTokens()).hasValue(stopped.generatedTokens().getAsInt() + 8);
        assertThat(resumed.promptTokens()).isEqualTo(stopped.promptTokens());
    }

    @Test
    void theOutputRailPrefillsOnlyWhatFollowsTheInputRailsPrompt() {
        String input = GuardPrompt.modelCard().render(Exchange.request(REQUEST));
        String output = GuardPrompt.modelCard().render(Exchange.of(REQUEST, RESPONSE));
        int[] inputIds = cached.encode(input);
        int[] outputIds = cached.encode(output);
        int shared = commonPrefix(inputIds, outputIds);

        cached.generate(input, options(8));
        long before = cached.prefilledPositions();
        Generation reused = cached.generate(output, options(12));
        long prefilled = cached.prefilledPositions() - before;

        assertThat(shared).isGreaterThan(cached.cachedPrefixTokens()); // the request is shared, not just the instruction
        assertThat(prefilled).isEqualTo(outputIds.length - shared);
        assertThat(prefilled).isLessThan(outputIds.length - cached.cachedPrefixTokens());
        Generation reference = fresh.generate(output, options(12));
        assertThat(reused.text()).isEqualTo(reference.text());
        assertThat(reused.tokens()).isEqualTo(reference.tokens());
        // The shared positions were copied: the input rail's own state is still whole.
        before = cached.prefilledPositions();
        cached.generate(input, options(2));
        assertThat(cached.prefilledPositions() - before).isEqualTo(1);
    }

    @Test
    void prefilledPrefixesOfAStreamingAnswerLeaveTheVerdictAsItWasAndSaveItsWork() {
        String request = "Summarise this recipe for me, please.";
        String prompt = GuardPrompt.modelCard().render(Exchange.of(request, RESPONSE));
        int responseStart = prompt.indexOf(RESPONSE);
        // As Guard.prefill gives them: the prompt up to the answer so far, cut anywhere, even inside a word or "°".
        List<String> prefixes = new ArrayList<>();
        for (int end : new int[] {0, 7, 23, 24, 61, 62, 97, RESPONSE.length() - 3}) {
            prefixes.add(prompt.substring(0, responseStart + end));
        }
        prefixes.add(prompt.substring(0, prompt.length() - 2)); // the whole answer, without the closing blank line

        List<Long> work = new ArrayList<>();
        for (String prefix : prefixes) {
            long before = cached.prefilledPositions();
            cached.prefill(prefix);
            work.add(cached.prefilledPositions() - before);
        }
        int[] ids = cached.encode(prompt);
        int[] lastPrefix = cached.encode(prefixes.getLast());
        long before = cached.prefilledPositions();
        Generation g = cached.generate(prompt, options(TOKENS));
        long prefilled = cached.prefilledPositions() - before;

        Generation reference = fresh.generate(prompt, options(TOKENS));
        assertThat(g.text()).isEqualTo(reference.text());
        assertThat(g.tokens()).isEqualTo(reference.tokens());
        assertThat(g.generatedTokens()).isEqualTo(reference.generatedTokens());
        // Each prefix computed little more than what it added; the check computed only what the last one lacked.
        assertThat(work.stream().mapToLong(Long::longValue).sum())
                .isLessThan(lastPrefix.length + 4L * prefixes.size());
        assertThat(prefilled).isEqualTo(ids.length - Math.min(commonPrefix(lastPrefix, ids), ids.length - 1));
        assertThat(prefilled).isLessThan(8);
    }

    @Test
    void keepsOnlyTheMostRecentSequencesAndComputesAnEvictedOneAgain() {
        try (JlamaBackend two = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache"))
                .ignoreEndOfText(true).kvCacheEntries(2).build()) {
            List<String> prompts = List.of("First question about bread?", "Second question, on cake!",
                    "Third one: pastry.");
            for (String p : prompts) two.generate(p, GenerationOptions.maxTokens(4));
            assertThat(two.keptSequences()).isEqualTo(2);

            long before = two.prefilledPositions();
            two.generate(prompts.get(2), GenerationOptions.maxTokens(4));
            assertThat(two.prefilledPositions() - before).as("kept: only the last prompt token").isEqualTo(1);

            before = two.prefilledPositions();
            Generation again = two.generate(prompts.get(0), GenerationOptions.maxTokens(4));
            assertThat(two.prefilledPositions() - before).as("evicted: computed again")
                    .isEqualTo(two.countTokens(prompts.get(0)) - 1); // all but <|begin_of_text|>, shared by all
            assertThat(again.text()).isEqualTo(fresh.generate(prompts.get(0), GenerationOptions.maxTokens(4)).text());
        }
    }

    @Test
    void zeroKeptSequencesKeepsNoneAndStillReusesTheInstruction() {
        String prompt = GuardPrompt.modelCard().render(Exchange.request(REQUEST));
        try (JlamaBackend none = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache"))
                .ignoreEndOfText(true).kvCacheEntries(0).build()) {
            none.generate(prompt, GenerationOptions.maxTokens(4));
            long before = none.prefilledPositions();
            none.generate(prompt, GenerationOptions.maxTokens(4));

            assertThat(none.keptSequences()).isZero();
            int instruction = commonPrefix(none.encode(prompt), none.encode(GuardPrompt.INSTRUCTION));
            assertThat(none.prefilledPositions() - before).isEqualTo(none.countTokens(prompt) - instruction);
            assertThat(none.describeSetup()).contains("KV cache 0 sequences");
        }
    }

    /** A short stop sequence from the middle of {@code text}, so that generation stops there the first time. */
    private static String stopInTheMiddleOf(String text) {
        for (int at = text.length() / 2; at + 2 < text.length(); at++) {
            String stop = text.substring(at, at + 2);
            if (text.indexOf(stop) == at && !stop.isBlank()) return stop;
        }
        throw new AssertionError("no stop sequence found in the second half of " + text);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < Math.min(a.length, b.length) && a[n] == b[n]) n++;
        return n;
    }
}
