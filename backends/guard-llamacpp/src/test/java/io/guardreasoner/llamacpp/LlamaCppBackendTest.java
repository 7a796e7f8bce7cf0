package io.guardreasoner.llamacpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Llama3SpecialTokens;
import io.guardreasoner.test.Prerequisites;
import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Real llama.cpp inference on small random-weight models converted by {@link GgufConverter}. */
class LlamaCppBackendTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Texts and the token ids Hugging Face's Llama-3 tokenizer gives them, kept by guard-jlama's tokenizer tests. */
    private static final Path GOLDEN_TOKENIZATIONS =
            Path.of("../guard-jlama/src/test/resources/tokenizer/llama3-golden.jsonl");

    static LlamaCppBackend backend;
    /** Never stops at end-of-text, so a long generation really is long, however the random weights fall. */
    static LlamaCppBackend endless;

    @BeforeAll
    static void load() {
        backend = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).contextTokens(2048).build();
        endless = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).contextTokens(2048).batchSize(8)
                .ignoreEndOfText(true).build();
    }

    @AfterAll
    static void close() {
        backend.close();
        endless.close();
    }

    @Test
    void generatesExactlyMaxTokensWhenNothingElseStopsIt() {
        Generation g = endless.generate("How do I bake bread?", GenerationOptions.maxTokens(6));

        assertThat(g.generatedTokens()).hasValue(6);
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
        assertThat(g.text()).isNotEmpty();
    }

    @Test
    void theSamePromptGivesTheSameTextBeforeAndAfterOtherChecks() {
        Generation first = endless.generate("Is this request harmful?", GenerationOptions.maxTokens(12));
        Generation other = endless.generate("A different request entirely.", GenerationOptions.maxTokens(12));
        Generation again = endless.generate("Is this request harmful?", GenerationOptions.maxTokens(12));

        assertThat(first.text()).isNotEmpty().isEqualTo(again.text());
        assertThat(other.text()).isNotEqualTo(first.text());
    }

    @Test
    void promptTokensAreOneBeginOfTextAndThePromptReadAsPlainText() {
        String prompt = GuardPrompt.modelCard().render(Exchange.of("How do I bake bread?", "Mix flour, water and yeast."));
        int[] ids = backend.tokenize(prompt);

        Generation g = backend.generate(prompt, GenerationOptions.maxTokens(2));

        assertThat(g.promptTokens()).hasValue(ids.length);
        assertThat(ids[0]).isEqualTo(TestModels.llama32Like().build().beginOfTextId());
        assertThat(backend.detokenize(Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo(prompt);
        assertThat(backend.tokenize("<|begin_of_text|>Hi")[1]).as("typed BOS text stays text").isNotEqualTo(ids[0]);
    }

    @Test
    void aStopSequenceEndsGenerationAndIsCutFromTheText() {
        String prompt = "Tell me about the weather.";
        String full = endless.generate(prompt, GenerationOptions.maxTokens(24)).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        String expected = full.substring(0, full.indexOf(stop));

        Generation g = endless.generate(prompt, GenerationOptions.maxTokens(24).withStopSequences(List.of("never-seen", stop)));

        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(g.text()).isEqualTo(expected);
        assertThat(g.cut()).startsWith(stop);
        assertThat(full).startsWith(g.written());
        assertThat(g.generatedTokens().getAsInt()).isLessThan(24);
    }

    @Test
    void theModelsEndOfTextTokenEndsGenerationWithoutBeingCounted() throws IOException {
        // Make the token this model generates fourth its end-of-text token, through tokenizer_config.json.
        String prompt = "How do I bake bread?";
        int[] ids = endless.complete(prompt, GenerationOptions.maxTokens(12)).tokenIds();
        int stopAt = 3;
        while (stopAt < ids.length && contains(Arrays.copyOf(ids, stopAt), ids[stopAt])) stopAt++;
        assertThat(stopAt).as("a token that first appears late").isLessThan(ids.length);
        Path dir = copyOfModel("eos");
        JsonNode vocab = JSON.readTree(dir.resolve("tokenizer.json").toFile()).path("model").path("vocab");
        String eos = null;
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().asInt() == ids[stopAt]) eos = e.getKey();
        }
        ObjectNode tokenizerConfig = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        tokenizerConfig.put("eos_token", eos);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig);

        try (LlamaCppBackend b = LlamaCppBackend.builder().modelDir(dir).type(GgufType.Q8_0)
                .cacheDir(TestModels.scratch("eos-cache")).slots(1).contextTokens(512).build()) {
            Generation g = b.generate(prompt, GenerationOptions.maxTokens(12));

            assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.END_OF_TEXT);
            assertThat(g.generatedTokens()).hasValue(stopAt);
            assertThat(g.text()).isEqualTo(endless.detokenize(Arrays.copyOf(ids, stopAt)));
        }
    }

    @Test
    void aDeadlineThatPassesWhileGeneratingStopsItWithAnErrorAndTheBackendStaysUsable() {
        GenerationOptions options = GenerationOptions.maxTokens(1900).withDeadline(Instant.now().plusMillis(400));

        assertThatThrownBy(() -> endless.generate("Keep talking.", options))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("deadline passed after").hasMessageContaining("generated tokens");
        assertThat(endless.generate("Keep talking.", GenerationOptions.maxTokens(3)).generatedTokens()).hasValue(3);
    }

    @Test
    void aDeadlineThatPassesWhileReadingALongPromptStopsItAndTheSlotIsFreedAtTheNextStep() {
        // One prompt token per decode step: ~2000 steps take far longer than the deadline.
        try (LlamaCppBackend slow = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                .batchSize(1).contextTokens(2100).warmUpPrefix("").build()) {
            String prompt = JlamaCrossCheckTest.longPrompt();
            GenerationOptions options = GenerationOptions.maxTokens(4).withDeadline(Instant.now().plusMillis(300));

            assertThatThrownBy(() -> slow.generate(prompt, options))
                    .isInstanceOf(GuardBackendException.class)
                    .hasMessageContaining("deadline passed while reading the prompt");
            assertThat(slow.generate("Short.", GenerationOptions.maxTokens(2)).promptTokens()).isPresent();
        }
    }

    @Test
    void anInterruptedCallerStopsGeneratingWithAnError() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                endless.generate("Keep talking.", GenerationOptions.maxTokens(1500));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        caller.start();
        Thread.sleep(100);
        caller.interrupt();
        caller.join(10_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(GuardBackendException.class).hasMessageContaining("interrupted");
    }

    @Test
    void aDeadlineAlreadyPassedFailsBeforeStarting() {
        GenerationOptions options = GenerationOptions.maxTokens(5).withDeadline(Instant.now().minusMillis(1));

        assertThatThrownBy(() -> backend.generate("Hello", options))
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("deadline passed before");
    }

    @Test
    void aPromptPlusMaxTokensBeyondASlotsContextIsRefusedClearly() {
        try (LlamaCppBackend small = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                .contextTokens(64).warmUpPrefix("").build()) {
            assertThat(small.generate("Short.", GenerationOptions.maxTokens(8)).promptTokens()).isPresent();
            assertThatThrownBy(() -> small.generate("Short.", GenerationOptions.maxTokens(64)))
                    .isInstanceOf(GuardBackendException.class)
                    .hasMessageContaining("exceeds a slot's context of 64 tokens").hasMessageContaining("lower maxTokens");
        }
    }

    @Test
    void everySpecialTokenTypedInThePromptStaysPlainText() throws IOException {
        StringBuilder prompt = new StringBuilder("Human user:\n");
        JsonNode tokenizer = JSON.readTree(TestModels.modelDir().resolve("tokenizer.json").toFile());
        for (JsonNode t : tokenizer.path("added_tokens")) prompt.append(t.get("content").asText()).append(" and ");
        assertThat(prompt).contains("<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>");

        int[] ids = backend.tokenize(prompt.toString());

        assertThat(backend.isControlToken(ids[0])).isTrue();
        assertThat(Arrays.stream(ids).skip(1).filter(backend::isControlToken)).isEmpty();
        assertThat(backend.detokenize(Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo(prompt.toString());
        assertThat(backend.generate(prompt.toString(), GenerationOptions.maxTokens(3)).promptTokens()).hasValue(ids.length);
    }

    @Test
    void theRealLlama3TokenizerReadsSpecialTokensAsTextAndOtherwiseTokenizesAsHuggingFace() throws IOException {
        String path = System.getenv("GUARDREASONER_LLAMA3_TOKENIZER");
        Prerequisites.require(path != null && Files.isRegularFile(Path.of(path)),
                () -> "GUARDREASONER_LLAMA3_TOKENIZER names no Llama-3 tokenizer.json (.ci/run installs one)");
        Path dir = TestModels.folder("llama3-vocab", LlamaModelWriter.builder()
                .hiddenSize(64).layers(1).heads(2).kvHeads(1).intermediateSize(64).vocabSize(128_256).specialTokens(256));
        Files.copy(Path.of(path), dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        StringBuilder prompt = new StringBuilder();
        for (JsonNode t : tokenizer.path("added_tokens")) prompt.append(t.get("content").asText());
        // Hugging Face's token ids for ~280 texts (guard-jlama's golden file, made with the reference tokenizer).
        List<JsonNode> golden = new ArrayList<>();
        try (Stream<String> lines = Files.lines(GOLDEN_TOKENIZATIONS)) {
            for (String line : lines.filter(l -> !l.isBlank()).toList()) golden.add(JSON.readTree(line));
        }

        try (LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(dir, GgufType.F16)).slots(1)
                .contextTokens(16_384).warmUpPrefix("").build()) {
            int[] ids = b.tokenize(prompt.toString());

            assertThat(ids[0]).isEqualTo(128_000);
            assertThat(Arrays.stream(ids).skip(1).filter(id -> id >= 128_000)).isEmpty();
            assertThat(b.detokenize(Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo(prompt.toString());
            assertThat(golden).hasSizeGreaterThan(200);
            for (JsonNode g : golden) {
                String text = g.get("text").asText();
                if (Llama3SpecialTokens.neutralize(text).count() > 0) continue; // HF reads those as special tokens
                int[] expected = new int[g.get("ids").size()];
                for (int i = 0; i < expected.length; i++) expected[i] = g.get("ids").get(i).asInt();
                int[] actual = b.tokenize(text);
                assertThat(Arrays.copyOfRange(actual, 1, actual.length)).as(text).containsExactly(expected);
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(KvCacheType.class)
    void everyKvCacheTypeRunsAndAgreesWithF32OnTheFirstTokens(KvCacheType kv) {
        try (LlamaCppBackend exact = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.F32)).slots(2)
                .contextTokens(256).warmUpPrefix("").kvCacheType(KvCacheType.F32).ignoreEndOfText(true).build();
             LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.F32)).slots(2)
                     .contextTokens(256).warmUpPrefix("").kvCacheType(kv).ignoreEndOfText(true).build()) {
            int[] expected = exact.complete("How do I bake bread?", GenerationOptions.maxTokens(4)).tokenIds();

            int[] actual = b.complete("How do I bake bread?", GenerationOptions.maxTokens(4)).tokenIds();

            assertThat(actual).containsExactly(expected);
            assertThat(b.describeSetup()).contains("KV cache " + kv.name());
        }
    }

    // ------------------------------------------------------------------ prompt cache

    @Test
    void theInstructionIsComputedAtLoadAndReusedByTheFirstCheck() {
        try (LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(2)
                .contextTokens(1024).build()) {
            String prompt = GuardPrompt.modelCard().render(Exchange.request("How do I bake bread?"));
            LlamaCppBackend.Completion c = b.complete(prompt, GenerationOptions.maxTokens(4));

            assertThat(c.reusedPromptTokens()).isEqualTo(b.countTokens(GuardPrompt.INSTRUCTION));
            assertThat(b.stats().reusedPromptTokens()).isEqualTo(c.reusedPromptTokens());
        }
    }

    @Test
    void anOutputRailCheckReusesTheTokensOfItsInputRailCheck() {
        String request = "Please explain step by step how a bakery makes sourdough bread from flour, water and salt.";
        String input = GuardPrompt.modelCard().render(Exchange.request(request));
        String output = GuardPrompt.modelCard().render(Exchange.of(request, "Mix, rest, fold, shape and bake it."));
        int common = commonPrefix(backend.tokenize(input), backend.tokenize(output));

        backend.complete(input, GenerationOptions.maxTokens(6));
        LlamaCppBackend.Completion c = backend.complete(output, GenerationOptions.maxTokens(6));

        assertThat(c.reusedPromptTokens()).isEqualTo(common)
                .isGreaterThan(backend.countTokens(GuardPrompt.INSTRUCTION + "Human user:\n" + request) - 3);
    }

    @Test
    void continuingAGenerationReusesTheKvStateOfWhatItGenerated() {
        Continuation c = continuation(endless);

        LlamaCppBackend.Completion next = endless.complete(c.text(), GenerationOptions.maxTokens(5));

        // Everything but the last token comes from the earlier generation's KV state (the last is evaluated again for
        // its logits), and the continuation is the uninterrupted generation's next tokens.
        assertThat(next.reusedPromptTokens()).isEqualTo(c.promptTokens() + c.generatedTokens() - 1);
        assertThat(next.tokenIds()).containsExactly(c.uninterruptedNext(5));
    }

    @Test
    void anIdleSlotKeepsItsPromptButDropsWhatItGeneratedOnceAnotherCheckStarts() {
        try (LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(2)
                .contextTokens(1024).warmUpPrefix("").batchSize(8).ignoreEndOfText(true).build()) {
            Continuation c = continuation(endless);
            b.complete(c.prompt(), GenerationOptions.maxTokens(20)); // one slot holds the prompt and 20 generated tokens
            b.complete("Something else in the meantime.", GenerationOptions.maxTokens(2)); // the other, empty, slot

            LlamaCppBackend.Completion next = b.complete(c.text(), GenerationOptions.maxTokens(5));

            assertThat(next.reusedPromptTokens()).as("the prompt, not the generated tokens").isEqualTo(c.promptTokens());
            assertThat(next.tokenIds()).containsExactly(c.uninterruptedNext(5));
        }
    }

    /** A prompt plus the first tokens a backend generated from it, as text that tokenizes back to those ids. */
    private record Continuation(String prompt, String text, int promptTokens, int generatedTokens, int[] uninterrupted) {
        int[] uninterruptedNext(int n) {
            return Arrays.copyOfRange(uninterrupted, generatedTokens, generatedTokens + n);
        }
    }

    /**
     * Generates 20 tokens and finds the longest start of them (3 or more) whose text re-tokenizes to the same ids
     * (random weights often generate token sequences that BPE would spell differently).
     */
    private static Continuation continuation(LlamaCppBackend b) {
        for (String prompt : List.of("Tell me about the weather.", "Is it safe to eat raw dough?", "How do I bake bread?")) {
            int[] promptIds = b.tokenize(prompt);
            int[] generated = b.complete(prompt, GenerationOptions.maxTokens(20)).tokenIds();
            for (int k = 15; k >= 3; k--) {
                String continued = prompt + b.detokenize(Arrays.copyOf(generated, k));
                if (Arrays.equals(b.tokenize(continued), concat(promptIds, Arrays.copyOf(generated, k)))) {
                    return new Continuation(prompt, continued, promptIds.length, k, generated);
                }
            }
        }
        throw new AssertionError("no generation of these prompts re-tokenizes to its own ids for 3 or more tokens");
    }

    @Test
    void reusedKvStateGivesTheSameTokensAsAFreshPrefill() {
        try (LlamaCppBackend fresh = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                .contextTokens(2048).warmUpPrefix("").ignoreEndOfText(true).build()) {
            for (GuardPrompt layout : List.of(GuardPrompt.modelCard(), GuardPrompt.evaluation())) {
                String prompt = layout.render(Exchange.of("How do I bake bread?", "Mix flour and water."));
                LlamaCppBackend.Completion withReuse = endless.complete(prompt, GenerationOptions.maxTokens(16));
                fresh.complete("Something else first, to clear the slot.", GenerationOptions.maxTokens(2));
                LlamaCppBackend.Completion withoutReuse = fresh.complete(prompt, GenerationOptions.maxTokens(16));

                assertThat(withReuse.reusedPromptTokens()).isPositive();
                assertThat(withoutReuse.reusedPromptTokens()).isEqualTo(1); // only <|begin_of_text|> is shared
                assertThat(withReuse.tokenIds()).as(layout.layout().name()).containsExactly(withoutReuse.tokenIds());
            }
        }
    }

    // ------------------------------------------------------------------ resume and prefill

    @Test
    void aStoppedAndResumedGenerationEqualsOneFullGenerationTokenForToken() {
        String prompt = GuardPrompt.modelCard().render(Exchange.request("How do I bake bread at home?"));
        GenerationOptions options = GenerationOptions.maxTokens(40).withTopLogprobs(3);
        Generation full = endless.generate(prompt, options);
        String stop = full.text().substring(full.text().length() / 3, full.text().length() / 3 + 2);
        Generation stopped = endless.generate(prompt, options.withStopSequences(List.of(stop)));
        assertThat(stopped.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        LlamaCppBackend.Stats before = endless.stats();

        Generation resumed = endless.resume(prompt, stopped,
                options.withMaxTokens(40 - stopped.generatedTokens().getAsInt()));

        LlamaCppBackend.Stats after = endless.stats();
        assertThat(resumed.text()).isEqualTo(full.text());
        assertThat(resumed.generatedTokens()).hasValue(40);
        assertThat(resumed.promptTokens()).isEqualTo(full.promptTokens());
        assertThat(resumed.tokens()).hasSize(40);
        for (int i = 0; i < 40; i++) {
            GeneratedToken expected = full.tokens().get(i);
            GeneratedToken actual = resumed.tokens().get(i);
            assertThat(actual.text()).as("token %d", i).isEqualTo(expected.text());
            // Not bit for bit: llama.cpp sums attention over the cache's cells in the order they sit in, and the two
            // generations' cells sit in different places (other slots' cells come and go), so sums round differently.
            assertThat(actual.logprob()).as("token %d", i).isCloseTo(expected.logprob(), within(1e-3));
            assertThat(actual.top().stream().map(GeneratedToken.Alternative::text).toList()).as("token %d", i)
                    .isEqualTo(expected.top().stream().map(GeneratedToken.Alternative::text).toList());
        }
        assertThat(after.evaluatedPromptTokens() - before.evaluatedPromptTokens())
                .as("only the last stopped token is computed again").isEqualTo(1);
    }

    @Test
    void aGenerationThisBackendDidNotStopResumesFromItsText() {
        String prompt = "Tell me about the weather.";
        Generation stopped = new Generation("It is", java.util.OptionalInt.of(5), java.util.OptionalInt.of(2),
                Generation.FinishReason.STOP_SEQUENCE, " sunny", List.of());

        Generation resumed = endless.resume(prompt, stopped, GenerationOptions.maxTokens(4));

        Generation expected = endless.generate(prompt + "It is sunny", GenerationOptions.maxTokens(4));
        assertThat(resumed.text()).isEqualTo("It is sunny" + expected.text());
        assertThat(resumed.generatedTokens()).hasValue(6);
    }

    @Test
    void aPrefilledPrefixIsReusedAndTheVerdictIsUnchangedTokenForToken() {
        String request = "Please explain step by step how a bakery makes sourdough bread from flour, water and salt.";
        String response = "Mix the flour and water, rest it, fold in the salt and starter, shape it and bake it hot.";
        String prompt = GuardPrompt.modelCard().render(Exchange.of(request, response));
        String streamedSoFar = prompt.substring(0, prompt.indexOf(response) + response.length() / 2);
        GenerationOptions options = GenerationOptions.maxTokens(24).withTopLogprobs(2);
        try (LlamaCppBackend plain = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(2)
                .contextTokens(1024).ignoreEndOfText(true).build();
             LlamaCppBackend prefilled = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(2)
                     .contextTokens(1024).ignoreEndOfText(true).build()) {
            Generation expected = plain.generate(prompt, options);

            prefilled.prefill(streamedSoFar);
            LlamaCppBackend.Completion actual = prefilled.complete(prompt, options);

            assertThat(actual.generation().text()).isEqualTo(expected.text());
            assertThat(actual.generation().tokens()).isEqualTo(expected.tokens());
            assertThat(actual.reusedPromptTokens()).as("the prefilled tokens, bar one cut word")
                    .isGreaterThan(prefilled.countTokens(streamedSoFar) - 3)
                    .isGreaterThan(prefilled.countTokens(GuardPrompt.INSTRUCTION + "Human user:\n" + request));
        }
    }

    @Test
    void aCheckTakesTheOnlySlotFromARunningPrefillWhichKeepsWhatItComputed() throws Exception {
        String prompt = JlamaCrossCheckTest.longPrompt();
        try (LlamaCppBackend slow = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                .batchSize(1).contextTokens(2300).warmUpPrefix("").ignoreEndOfText(true).build();
             LlamaCppBackend fresh = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                     .contextTokens(2300).warmUpPrefix("").ignoreEndOfText(true).build()) {
            int promptTokens = slow.countTokens(prompt);
            Thread prefill = Thread.ofPlatform().start(() -> slow.prefill(prompt));
            while (slow.stats().decodeCalls() < 5) Thread.sleep(5);

            LlamaCppBackend.Completion check = slow.complete(prompt, GenerationOptions.maxTokens(6));

            prefill.join(60_000);
            assertThat(prefill.isAlive()).isFalse();
            assertThat(check.reusedPromptTokens()).as("what the prefill computed before it gave way")
                    .isGreaterThanOrEqualTo(5).isLessThan(promptTokens - 1);
            assertThat(check.tokenIds()).containsExactly(fresh.complete(prompt, GenerationOptions.maxTokens(6)).tokenIds());
        }
    }

    @Test
    void prefillNeverThrows() {
        LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                .contextTokens(64).warmUpPrefix("").build();
        b.prefill(JlamaCrossCheckTest.longPrompt()); // longer than a slot: the check will say so
        b.prefill(null);
        b.close();

        b.prefill("Human user:\nHello");

        assertThat(b.health().up()).isFalse();
    }

    // ------------------------------------------------------------------ slots

    @Test
    void concurrentChecksShareDecodeStepsAndGetTheAnswersTheyGetAlone() throws Exception {
        List<String> prompts = List.of("First question?", "Second question!", "Third one.", "And a fourth request.");
        List<int[]> alone = new ArrayList<>();
        for (String p : prompts) alone.add(endless.complete(p, GenerationOptions.maxTokens(40)).tokenIds());
        long callsBefore = endless.stats().decodeCalls();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (String p : prompts) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return endless.complete(p, GenerationOptions.maxTokens(40)).tokenIds();
                }));
            }
            start.countDown();
            for (int i = 0; i < prompts.size(); i++) assertThat(futures.get(i).get()).containsExactly(alone.get(i));
        } finally {
            pool.shutdownNow();
        }

        long calls = endless.stats().decodeCalls() - callsBefore;
        assertThat(calls).as("decode calls for 4 x 40 tokens").isLessThan(100);
    }

    @Test
    void withOneSlotConcurrentCallersQueueAndAllGetTheirAnswers() throws Exception {
        try (LlamaCppBackend one = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1)
                .contextTokens(512).ignoreEndOfText(true).build()) {
            List<String> prompts = List.of("First question?", "Second question!", "Third one.");
            List<String> expected = prompts.stream().map(p -> one.generate(p, GenerationOptions.maxTokens(6)).text()).toList();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    String p = prompts.get(i % 3);
                    futures.add(pool.submit(() -> one.generate(p, GenerationOptions.maxTokens(6)).text()));
                }
                for (int i = 0; i < futures.size(); i++) assertThat(futures.get(i).get()).isEqualTo(expected.get(i % 3));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ------------------------------------------------------------------ probabilities

    @Test
    void tokenProbabilitiesDescribeTheGreedyChoiceAndItsAlternativesAndSpellTheText() {
        Generation g = endless.generate("How do I bake bread?", GenerationOptions.maxTokens(8).withTopLogprobs(5));

        assertThat(g.tokens()).hasSize(8);
        for (GeneratedToken t : g.tokens()) {
            assertThat(t.top()).hasSize(5);
            assertThat(t.top().get(0).text()).as("greedy picks the most likely").isEqualTo(t.text());
            assertThat(t.logprob()).isEqualTo(t.top().get(0).logprob()).isNegative();
            assertThat(t.top()).isSortedAccordingTo((a, b) -> Double.compare(b.logprob(), a.logprob()));
            assertThat(t.top().stream().mapToDouble(GeneratedToken.Alternative::probability).sum())
                    .isLessThanOrEqualTo(1.0 + 1e-9);
        }
        assertThat(String.join("", g.tokens().stream().map(GeneratedToken::text).toList())).isEqualTo(g.written());
        assertThat(endless.generate("How do I bake bread?", GenerationOptions.maxTokens(8)).tokens()).isEmpty();
    }

    @Test
    void tokenProbabilitiesOfAGenerationAStopCutSpellTextAndCut() {
        String prompt = "Tell me about the weather.";
        String full = endless.generate(prompt, GenerationOptions.maxTokens(24)).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);

        Generation g = endless.generate(prompt, GenerationOptions.maxTokens(24).withStopSequences(List.of(stop))
                .withTopLogprobs(3));

        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(g.tokens()).hasSize(g.generatedTokens().getAsInt());
        assertThat(String.join("", g.tokens().stream().map(GeneratedToken::text).toList())).isEqualTo(g.written());
    }

    // ------------------------------------------------------------------ model files

    @Test
    void aModelFolderIsConvertedOnceIntoTheCacheAndReused() throws IOException {
        Path cache = TestModels.scratch("cache");
        Path gguf;
        try (LlamaCppBackend b = LlamaCppBackend.builder().modelDir(TestModels.modelDir()).cacheDir(cache).slots(1)
                .contextTokens(256).warmUpPrefix("").build()) {
            gguf = b.ggufFile();
            assertThat(gguf).startsWith(cache).hasFileName("llama32like-seed11.q4_0.gguf");
            assertThat(b.modelId()).isEqualTo("llama32like-seed11");
        }
        var written = Files.getLastModifiedTime(gguf);
        try (LlamaCppBackend again = LlamaCppBackend.builder().modelDir(TestModels.modelDir()).cacheDir(cache).slots(1)
                .contextTokens(256).warmUpPrefix("").build()) {
            assertThat(again.ggufFile()).isEqualTo(gguf);
            assertThat(Files.getLastModifiedTime(gguf)).isEqualTo(written);
        }
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(Files::isRegularFile)).containsExactly(gguf);
        }
    }

    @Test
    void badModelFilesAreRefusedInJavaWithWhatToDo() throws IOException {
        Path dir = TestModels.scratch("bad");
        Path valid = TestModels.gguf(GgufType.Q8_0);
        byte[] bytes = Files.readAllBytes(valid);

        assertRefused(dir.resolve("missing.gguf"), "does not exist");
        assertRefused(dir, "is not a file");
        assertRefused(write(dir, "empty.gguf", new byte[0]), "too few for a GGUF file");
        assertRefused(write(dir, "html.gguf", "<html>Not found</html>".getBytes()), "is not a GGUF file", "text/HTML");
        assertRefused(write(dir, "truncated.gguf", Arrays.copyOf(bytes, bytes.length - 1000)), "is truncated", "convert it again");
        assertRefused(write(dir, "header-cut.gguf", Arrays.copyOf(bytes, 200)), "truncated");
        byte[] v4 = bytes.clone();
        v4[4] = 4;
        assertRefused(write(dir, "v4.gguf", v4), "GGUF version 4");
        byte[] v1 = bytes.clone();
        v1[4] = 1;
        assertRefused(write(dir, "v1.gguf", v1), "GGUF version 1");
        byte[] gemma = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replaceFirst("general.architecture(.{12})llama", "general.architecture$1gemma")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertRefused(write(dir, "gemma.gguf", gemma), "'gemma' model");
        assertThatThrownBy(() -> LlamaCppBackend.builder().modelDir(dir.resolve("nowhere")).build())
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("does not exist");
    }

    @Test
    void aQ8_0KvCacheForHeadsLlamaCppCannotBlockIsRefusedInJavaInsteadOfAbortingTheJvm() {
        // 64 / 4 heads = 16 per head: llama.cpp would GGML_ASSERT (abort the process) on a Q8_0 cache of such heads.
        Path dir = TestModels.folder("small-heads", LlamaModelWriter.builder().hiddenSize(64).heads(4).kvHeads(2));

        assertThatThrownBy(() -> LlamaCppBackend.builder().ggufFile(TestModels.gguf(dir, GgufType.F16))
                .kvCacheType(KvCacheType.Q8_0).slots(1).contextTokens(64).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("multiple of 32").hasMessageContaining("heads of 16").hasMessageContaining("F16");
    }

    @Test
    void aWellFormedGgufThatLlamaCppRejectsFailsWithLlamaCppsReason() throws IOException {
        // Claim three layers where there are two: valid GGUF, but llama.cpp misses blk.2's tensors.
        byte[] bytes = Files.readAllBytes(TestModels.gguf(GgufType.Q8_0));
        byte[] key = "llama.block_count".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = indexOf(bytes, key) + key.length + 4; // then the value type (u32), then the value
        assertThat(bytes[at]).isEqualTo((byte) 2);
        bytes[at] = 3;
        Path file = write(TestModels.scratch("three-layers"), "three-layers.gguf", bytes);

        assertThatThrownBy(() -> LlamaCppBackend.builder().ggufFile(file).slots(1).contextTokens(64).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("llama.cpp could not load").hasMessageContaining("blk.2");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    private static void assertRefused(Path file, String... messageParts) {
        assertThatThrownBy(() -> LlamaCppBackend.builder().ggufFile(file).slots(1).contextTokens(64).build())
                .as(file.getFileName().toString())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining(messageParts[0])
                .satisfies(e -> {
                    for (String part : messageParts) assertThat(e.getMessage()).contains(part);
                });
    }

    @Test
    void healthNameAndSystemInfoDescribeTheRunningModel() {
        assertThat(backend.health().up()).isTrue();
        assertThat(backend.health().detail()).contains("loaded").contains("q8_0 weights").contains("4 slots");
        assertThat(backend.name()).isEqualTo("llamacpp");
        assertThat(backend.modelId()).isEqualTo("llama32like-seed11");
        assertThat(backend.systemInfo()).contains("llama.cpp build b4916").contains("CPU :");
    }

    @Test
    void aClosedBackendIsDownAndRefusesChecks() {
        LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1).contextTokens(256)
                .warmUpPrefix("").build();
        b.generate("one", GenerationOptions.maxTokens(2));

        b.close();

        assertThat(b.health().up()).isFalse();
        assertThatThrownBy(() -> b.generate("two", GenerationOptions.maxTokens(2)))
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("closed");
        b.close(); // twice is fine
    }

    @Test
    void closingWhileAGenerationRunsFailsItAndFreesTheModel() throws Exception {
        LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1).contextTokens(2048)
                .warmUpPrefix("").ignoreEndOfText(true).build();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                b.generate("Keep talking.", GenerationOptions.maxTokens(1900));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        caller.start();
        Thread.sleep(100);

        b.close();
        caller.join(10_000);

        assertThat(failure.get()).isInstanceOf(GuardBackendException.class).hasMessageContaining("closed");
    }

    @Test
    void closingWhileOtherThreadsTokenizeNeverUsesTheFreedModel() throws Exception {
        LlamaCppBackend b = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.Q8_0)).slots(1).contextTokens(256)
                .warmUpPrefix("").build();
        String text = JlamaCrossCheckTest.longPrompt();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (true) b.tokenize(text);
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            t.start();
            callers.add(t);
        }
        Thread.sleep(50);

        b.close();
        for (Thread t : callers) t.join(10_000);

        assertThat(failures).hasSize(3).allSatisfy(e -> assertThat(e).isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("closed"));
    }

    @Test
    void aJvmThatUsedTheBackendExitsWhenItsMainMethodReturns() throws Exception {
        // The binding's own API keeps a non-daemon native thread attached, so such a JVM never exits.
        for (String close : List.of("close", "no-close")) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    ExitProbe.class.getName(), TestModels.gguf(GgufType.Q4_0).toString(), close)
                    .redirectErrorStream(true).start();
            boolean exited = p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            String output = new String(p.getInputStream().readAllBytes());
            if (!exited) p.destroyForcibly();

            assertThat(exited).as("JVM exited (" + close + ")").isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(output).contains("generated 4 tokens");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Path copyOfModel(String name) throws IOException {
        Path copy = TestModels.scratch(name).resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(TestModels.modelDir())) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        return copy;
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static boolean contains(int[] values, int value) {
        return Arrays.stream(values).anyMatch(v -> v == value);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) i++;
        return i;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
