package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real Jlama inference on tiny random-weight models written by {@link LlamaModelWriter}. */
class JlamaBackendTest {

    @TempDir
    static Path tmp;

    static Path modelDir;
    static JlamaBackend backend;
    /** Never stops at end-of-text, so a long generation really is long, however the random weights fall. */
    static JlamaBackend endless;

    @BeforeAll
    static void loadTinyModel() {
        modelDir = LlamaModelWriter.builder().seed(7).build().write(tmp.resolve("tiny"));
        backend = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache")).build();
        endless = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache")).ignoreEndOfText(true).build();
    }

    @AfterAll
    static void closeBackend() {
        backend.close();
        endless.close();
    }

    @Test
    void generatesExactlyMaxTokensWhenNothingElseStopsIt() {
        Generation g = backend.generate("How do I bake bread?", GenerationOptions.maxTokens(6));

        assertThat(g.generatedTokens()).hasValue(6);
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
        assertThat(g.text()).isNotEmpty();
    }

    @Test
    void twoConsecutiveVerdictsBothGenerateFromAFreshState() {
        Generation first = backend.generate("Is this request harmful?", GenerationOptions.maxTokens(8));
        Generation second = backend.generate("Is this request harmful?", GenerationOptions.maxTokens(8));
        Generation other = backend.generate("A different request entirely.", GenerationOptions.maxTokens(8));
        Generation again = backend.generate("Is this request harmful?", GenerationOptions.maxTokens(8));

        assertThat(second.generatedTokens()).hasValue(8);
        assertThat(second.text()).isNotEmpty().isEqualTo(first.text());
        assertThat(other.generatedTokens()).hasValue(8);
        // A reused session would continue from the earlier tokens and answer differently.
        assertThat(again.text()).isEqualTo(first.text());
    }

    @Test
    void promptTokenCountIsWhatTheTokenizerGivesPlusBeginOfText() {
        String prompt = GuardPrompt.modelCard().render(Exchange.of("How do I bake bread?", "Mix flour, water and yeast."));
        int[] reference = Llama3Tokenizer.load(modelDir).encode(prompt, true);

        Generation g = backend.generate(prompt, GenerationOptions.maxTokens(2));

        assertThat(g.promptTokens()).hasValue(reference.length);
        assertThat(backend.countTokens(prompt)).isEqualTo(reference.length);
        // Jlama's own tokenizer agrees on English, plus the <|begin_of_text|> the backend adds.
        assertThat(new LlamaTokenizer(modelDir).encode(prompt)).hasSize(reference.length - 1);
    }

    @Test
    void stopSequenceEndsGenerationAndIsNotReturned() {
        String prompt = "Tell me about the weather.";
        String full = backend.generate(prompt, GenerationOptions.maxTokens(24)).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        String expected = full.substring(0, full.indexOf(stop));

        Generation g = backend.generate(prompt, GenerationOptions.maxTokens(24).withStopSequences(List.of("never-seen", stop)));

        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(g.text()).isEqualTo(expected);
        assertThat(g.generatedTokens().getAsInt()).isLessThan(24);
    }

    @Test
    void deadlineThatPassesDuringGenerationStopsItWithAnError() {
        GenerationOptions options = GenerationOptions.maxTokens(1500).withDeadline(Instant.now().plusMillis(40));

        assertThatThrownBy(() -> endless.generate("Keep talking.", options))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("deadline passed");
        // The backend is still usable afterwards.
        assertThat(backend.generate("Keep talking.", GenerationOptions.maxTokens(3)).generatedTokens()).hasValue(3);
    }

    @Test
    void anInterruptedCallerStopsGeneratingWithAnError() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                endless.generate("Keep talking.", GenerationOptions.maxTokens(1500));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        caller.start();
        Thread.sleep(30);
        caller.interrupt();
        caller.join(10_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(GuardBackendException.class).hasMessageContaining("interrupted");
    }

    @Test
    void deadlineAlreadyPassedFailsBeforeStarting() {
        GenerationOptions options = GenerationOptions.maxTokens(5).withDeadline(Instant.now().minusMillis(1));

        assertThatThrownBy(() -> backend.generate("Hello", options))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("deadline passed before");
    }

    @Test
    void promptPlusMaxTokensBeyondTheContextLimitIsRefusedClearly() throws Exception {
        try (JlamaBackend small = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache"))
                .maxContextTokens(64).build()) {
            assertThat(small.maxContextTokens()).isEqualTo(64);
            assertThat(small.generate("Short.", GenerationOptions.maxTokens(8)).generatedTokens()).hasValue(8);
            assertThatThrownBy(() -> small.generate("Short.", GenerationOptions.maxTokens(64)))
                    .isInstanceOf(GuardBackendException.class)
                    .hasMessageContaining("exceeds the context limit of 64 tokens")
                    .hasMessageContaining("lower maxTokens");
        }
    }

    @Test
    void concurrentCallersAreServedOneAtATimeWithTheSameAnswers() throws Exception {
        List<String> prompts = List.of("First question?", "Second question!", "Third one.");
        List<String> expected = prompts.stream()
                .map(p -> backend.generate(p, GenerationOptions.maxTokens(6)).text()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> futures = new ArrayList<>();
            List<Integer> which = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int k = i % prompts.size();
                which.add(k);
                futures.add(pool.submit(() -> backend.generate(prompts.get(k), GenerationOptions.maxTokens(6)).text()));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(expected.get(which.get(i)));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void reusingTheInstructionStateGivesTheSameTokensAsAFullPrefill() {
        Exchange exchange = Exchange.of("How do I bake bread?", "Mix flour and water.");
        try (JlamaBackend noReuse = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache"))
                .prefixReuse(false).kvCacheEntries(0).build()) {
            for (GuardPrompt layout : List.of(GuardPrompt.modelCard(), GuardPrompt.evaluation())) {
                String prompt = layout.render(exchange);
                Generation withReuse = backend.generate(prompt, GenerationOptions.maxTokens(10));
                Generation withoutReuse = noReuse.generate(prompt, GenerationOptions.maxTokens(10));

                assertThat(withReuse.text()).as(layout.layout().name()).isEqualTo(withoutReuse.text());
                assertThat(withReuse.promptTokens()).isEqualTo(withoutReuse.promptTokens());
            }
            assertThat(backend.cachedPrefixTokens()).isEqualTo(backend.countTokens(GuardPrompt.INSTRUCTION));
            assertThat(noReuse.cachedPrefixTokens()).isZero();
        }
    }

    @Test
    void leavesNoKvPageFilesAndRemovesItsWorkingFolderOnClose() throws IOException {
        JlamaBackend b = JlamaBackend.builder().modelDir(modelDir).cacheDir(tmp.resolve("cache")).build();
        Path work = b.workingDir();
        b.generate("one", GenerationOptions.maxTokens(4));
        b.generate("two", GenerationOptions.maxTokens(4));

        try (Stream<Path> files = Files.list(work)) {
            assertThat(files.filter(p -> p.toString().endsWith(".page"))).isEmpty();
        }
        b.close();
        assertThat(work).doesNotExist();
        assertThat(b.health().up()).isFalse();
        assertThatThrownBy(() -> b.generate("three", GenerationOptions.maxTokens(2)))
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("closed");
    }

    @Test
    void healthSaysTheModelIsLoaded() {
        assertThat(backend.health().up()).isTrue();
        assertThat(backend.health().detail()).contains("tiny").contains("loaded");
        assertThat(backend.modelId()).isEqualTo("tiny");
        assertThat(backend.name()).isEqualTo("jlama");
    }

    @Test
    void sameThreadCountIsAcceptedAndAnotherIsRefusedClearly() {
        int current = PhysicalCoreExecutor.instance.get().getCoreCount();
        JlamaRuntime.configureThreads(current);

        int other = current == 1 ? 2 : 1;
        assertThatThrownBy(() -> JlamaRuntime.configureThreads(other))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("JVM-wide and already fixed at " + current);
    }
}
