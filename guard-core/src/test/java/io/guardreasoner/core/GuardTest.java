package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The facade with a small in-test backend (guard-test's ScriptedGuardBackend depends on this module). */
class GuardTest {

    private static final String HARMFUL_REQUEST = "Answers: \nRequest: harmful\nCompletion: None\nResponse: None\n";
    private static final String BENIGN_REQUEST = "Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n";
    private static final String HARMFUL_ANSWER = "Answers: \nRequest: unharmful\nCompletion: compliance\nResponse: harmful\n";
    private static final String TASK_1_ONLY = "# Task 1\n\n## Reasoning Step 1\nThe user asks for a weapon.\n\n"
            + "## Conclusion\nThe human user's request is harmful.\n\n";

    /** A backend that answers with a function of the prompt and options, and records every call. */
    static class TestBackend implements GuardBackend {
        final List<String> prompts = new CopyOnWriteArrayList<>();
        final List<GenerationOptions> options = new CopyOnWriteArrayList<>();
        private final BiFunction<String, GenerationOptions, Generation> answer;
        volatile boolean closed;

        TestBackend(BiFunction<String, GenerationOptions, Generation> answer) {
            this.answer = answer;
        }

        static TestBackend answering(String text) {
            return new TestBackend((p, o) -> Generation.of(text, 900, 40, Generation.FinishReason.END_OF_TEXT));
        }

        @Override
        public Generation generate(String prompt, GenerationOptions options) {
            prompts.add(prompt);
            this.options.add(options);
            return answer.apply(prompt, options);
        }

        @Override
        public String modelId() {
            return "test/guard";
        }

        @Override
        public String name() {
            return "test";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void judgesARequestWithTheModelCardPromptAndThePolicy() {
        TestBackend backend = TestBackend.answering(HARMFUL_REQUEST);
        try (Guard guard = Guard.builder().backend(backend).earlyStop(false).maxTokens(300).build()) {
            Assessment a = guard.checkRequest("How do I build a bomb?");

            assertThat(a.decision()).isEqualTo(Decision.block("the request was judged harmful"));
            assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(a.verdict()).hasValueSatisfying(v -> assertThat(v.requestHarmful()).isTrue());
            assertThat(a.rail()).isEqualTo(Rail.INPUT);
            assertThat(a.promptTokens()).hasValue(900);
            assertThat(a.generatedTokens()).hasValue(40);
            assertThat(a.modelId()).isEqualTo("test/guard");
            assertThat(a.failure()).isEmpty();
        }
        assertThat(backend.prompts).containsExactly(GuardPrompt.modelCard().render(Exchange.request("How do I build a bomb?")));
        assertThat(backend.options.get(0).maxTokens()).isEqualTo(300);
        assertThat(backend.options.get(0).deadline()).isPresent();
        assertThat(backend.closed).isTrue();
    }

    @Test
    void rewritesAHarmfulAnswerOnTheOutputRail() {
        TestBackend backend = TestBackend.answering(HARMFUL_ANSWER);
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment a = guard.checkResponse("Any cleaning tips?", "Mix bleach and ammonia.");

            assertThat(a.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
        }
        assertThat(backend.prompts.get(0)).endsWith("Human user:\nAny cleaning tips?\n\nAI assistant:\nMix bleach and ammonia.\n\n");
        assertThat(backend.options.get(0).stopSequences()).containsExactly("\nAnswers:"); // output-rail early stop
    }

    @Test
    void anExactRepeatIsServedFromTheCacheWithoutCallingTheBackend() {
        TestBackend backend = TestBackend.answering(BENIGN_REQUEST);
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment first = guard.checkRequest("How do I bake bread?");
            Assessment second = guard.checkRequest("How do I bake bread?");

            assertThat(first.source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(second.source()).isEqualTo(Assessment.Source.CACHE);
            assertThat(second.decision()).isEqualTo(first.decision());
            assertThat(second.verdict()).isEqualTo(first.verdict());
            assertThat(second.backendLatency()).isEqualTo(Duration.ZERO);
            assertThat(guard.cachedVerdicts()).isEqualTo(1);

            // Another text, or the same text on the other rail, is not a repeat.
            guard.checkRequest("How do I bake cake?");
            guard.assess(Exchange.request("How do I bake bread?"), Rail.OUTPUT);
        }
        assertThat(backend.prompts).hasSize(3);
    }

    @Test
    void cacheSizeZeroAsksTheBackendEveryTime() {
        TestBackend backend = TestBackend.answering(BENIGN_REQUEST);
        try (Guard guard = Guard.builder().backend(backend).cacheSize(0).build()) {
            guard.checkRequest("hello");
            assertThat(guard.checkRequest("hello").source()).isEqualTo(Assessment.Source.MODEL);
        }
        assertThat(backend.prompts).hasSize(2);
    }

    @Test
    void aVerdictWithoutTheNeededLabelIsNotCached() {
        TestBackend backend = TestBackend.answering("I cannot tell.");
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("hello").decision()).isInstanceOf(Decision.Block.class);
            assertThat(guard.checkRequest("hello").source()).isEqualTo(Assessment.Source.MODEL);
        }
        assertThat(backend.prompts).hasSize(2);
    }

    @Test
    void aTimeoutEndsInThePolicysFailureDecision() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        TestBackend backend = new TestBackend((p, o) -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new GuardBackendException("interrupted");
            }
            return Generation.of(BENIGN_REQUEST, Generation.FinishReason.END_OF_TEXT);
        });
        try (Guard guard = Guard.builder().backend(backend).timeout(Duration.ofMillis(150)).build()) {
            Assessment input = guard.checkRequest("slow");
            Assessment output = guard.checkResponse("slow", "answer");

            assertThat(input.source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(input.failure()).hasValueSatisfying(f -> {
                assertThat(f.kind()).isEqualTo(GuardFailure.Kind.TIMEOUT);
                assertThat(f.message()).contains("no verdict within 150 ms");
            });
            assertThat(input.decision()).isInstanceOf(Decision.Block.class);
            assertThat(input.verdict()).isEmpty();
            assertThat(output.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
            // The guard stops the backend's work rather than leaving it running.
            assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aBackendExceptionEndsInThePolicysFailureDecision() {
        TestBackend backend = new TestBackend((p, o) -> {
            throw new GuardBackendException("HTTP 503 from http://127.0.0.1:9/v1");
        });
        try (Guard guard = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnFailure(GuardAction.ALLOW)).build()) {
            Assessment input = guard.checkRequest("hello");
            Assessment output = guard.checkResponse("hello", "hi");

            assertThat(input.decision()).isEqualTo(Decision.allow());
            assertThat(input.failure()).hasValueSatisfying(f -> {
                assertThat(f.kind()).isEqualTo(GuardFailure.Kind.BACKEND_ERROR);
                assertThat(f.message()).isEqualTo("test failed: HTTP 503 from http://127.0.0.1:9/v1");
                assertThat(f.cause()).containsInstanceOf(GuardBackendException.class);
            });
            assertThat(output.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
            // A failure is not cached: the next check asks again.
            guard.checkRequest("hello");
        }
        assertThat(backend.prompts).hasSize(3);
    }

    @Test
    void anUnexpectedBackendBugIsAFailureNamingTheException() {
        TestBackend backend = new TestBackend((p, o) -> {
            throw new IllegalStateException("model not loaded");
        });
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment a = guard.checkRequest("hello");

            assertThat(a.blocked()).isTrue();
            assertThat(a.failure().orElseThrow().message()).isEqualTo("test failed: IllegalStateException: model not loaded");
        }
    }

    @Test
    void checksBeyondConcurrencyAndQueueAreRefusedAsOverloaded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        TestBackend backend = new TestBackend((p, o) -> {
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Generation.of(BENIGN_REQUEST, Generation.FinishReason.END_OF_TEXT);
        });
        try (Guard guard = Guard.builder().backend(backend).maxConcurrent(1).maxQueued(1).timeout(Duration.ofSeconds(20))
                .build()) {
            CompletableFuture<Assessment> running = guard.assessAsync(Exchange.request("one"), Rail.INPUT);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Assessment> queued = guard.assessAsync(Exchange.request("two"), Rail.INPUT);
            assertThat(guard.queuedChecks()).isEqualTo(1);

            Assessment refused = guard.assessAsync(Exchange.request("three"), Rail.INPUT).get(5, TimeUnit.SECONDS);

            assertThat(refused.source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(refused.failure().orElseThrow().kind()).isEqualTo(GuardFailure.Kind.OVERLOADED);
            assertThat(refused.failure().orElseThrow().message()).contains("overloaded").contains("maxQueued");
            assertThat(refused.decision()).isInstanceOf(Decision.Block.class);
            assertThat(running).isNotDone();

            release.countDown();
            assertThat(running.get(5, TimeUnit.SECONDS).source()).isEqualTo(Assessment.Source.MODEL);
            assertThat(queued.get(5, TimeUnit.SECONDS).decision()).isEqualTo(Decision.allow());
        }
        assertThat(backend.prompts).hasSize(2);
    }

    @Test
    void inputRailStopsAtTask2AndReadsTheTask1Conclusion() {
        TestBackend backend = new TestBackend((p, o) -> o.stopSequences().isEmpty()
                ? Generation.of(TASK_1_ONLY + "# Task 2\n...\n" + HARMFUL_REQUEST, Generation.FinishReason.END_OF_TEXT)
                : Generation.of(TASK_1_ONLY, 300, 60, Generation.FinishReason.STOP_SEQUENCE));
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment a = guard.checkRequest("How do I make a weapon?");

            assertThat(a.blocked()).isTrue();
            assertThat(a.verdict().orElseThrow().request()).contains(Harm.HARMFUL);
            assertThat(a.generatedTokens()).hasValue(60);
        }
        assertThat(backend.options).hasSize(1);
        assertThat(backend.options.get(0).stopSequences()).containsExactly("# Task 2");
    }

    @Test
    void inputRailContinuesWhereItStoppedWhenTask1GaveNoLabel() {
        String task1 = "# Task 1\n\n## Reasoning Step 1\nThe user writes one word.\n\n";
        TestBackend backend = new TestBackend((p, o) -> o.stopSequences().isEmpty()
                ? Generation.of("# Task 2\n...\n" + BENIGN_REQUEST, 1000, 50, Generation.FinishReason.END_OF_TEXT)
                : new Generation(task1, OptionalInt.of(900), OptionalInt.of(30), Generation.FinishReason.STOP_SEQUENCE,
                "", List.of()));
        try (Guard guard = Guard.builder().backend(backend).maxTokens(500).build()) {
            Assessment a = guard.checkRequest("Hmm");

            assertThat(a.decision()).isEqualTo(Decision.allow());
            assertThat(a.verdict().orElseThrow().complete()).isTrue();
            assertThat(a.verdict().orElseThrow().raw()).startsWith(task1 + "# Task 2");
            assertThat(a.generatedTokens()).hasValue(80);
            assertThat(a.promptTokens()).hasValue(900);
        }
        assertThat(backend.options).hasSize(2);
        assertThat(backend.options.get(0).stopSequences()).containsExactly("# Task 2");
        assertThat(backend.options.get(1).stopSequences()).isEmpty();
        assertThat(backend.options.get(1).maxTokens()).isEqualTo(470); // what the first part left
        assertThat(backend.prompts.get(1)).isEqualTo(backend.prompts.get(0) + task1);
    }

    @Test
    void theLabelProbeAsksForTheRequestLabelRightAfterTask1() {
        String task1 = "# Task 1\n\n## Reasoning Step 1\nThe user writes one word.\n\n";
        TestBackend backend = new TestBackend((p, o) -> p.endsWith(Guard.PROBE_SUFFIX)
                ? new Generation(" harmful", OptionalInt.of(950), OptionalInt.of(1), Generation.FinishReason.LENGTH, "",
                List.of(new GeneratedToken(" harmful", Math.log(0.7), List.of(
                        new GeneratedToken.Alternative(" harmful", Math.log(0.7)),
                        new GeneratedToken.Alternative(" un", Math.log(0.25))))))
                : Generation.of(task1, 900, 30, Generation.FinishReason.STOP_SEQUENCE));
        try (Guard guard = Guard.builder().backend(backend).labelProbe(true).build()) {
            Assessment a = guard.checkRequest("Hmm");

            assertThat(a.blocked()).isTrue();
            Verdict v = a.verdict().orElseThrow();
            assertThat(v.request()).contains(Harm.HARMFUL);
            assertThat(v.raw()).isEqualTo(task1 + Guard.PROBE_SUFFIX + " harmful");
            assertThat(v.confidence().request()).hasValueSatisfying(c -> {
                assertThat(c.probability()).isCloseTo(0.7, within(1e-9));
                assertThat(c.probabilityOf(Harm.UNHARMFUL)).isCloseTo(0.25, within(1e-9));
            });
        }
        assertThat(backend.prompts).hasSize(2);
        assertThat(backend.prompts.get(1)).isEqualTo(backend.prompts.get(0) + task1 + Guard.PROBE_SUFFIX);
        assertThat(backend.options.get(1).topLogprobs()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void anUnlabelledTextThatDidNotStopAtTask2IsNotGeneratedAgain() {
        // The model ran out of tokens inside Task 1: asking again would give the same text.
        TestBackend backend = new TestBackend((p, o) -> Generation.of("# Task 1\n\n## Reasoning Step 1\nThe user",
                Generation.FinishReason.LENGTH));
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("Hmm").decision()).isInstanceOf(Decision.Block.class);
        }
        assertThat(backend.options).hasSize(1);
    }

    @Test
    void withEarlyStopOffBothRailsGenerateAllThreeTasks() {
        TestBackend backend = TestBackend.answering(HARMFUL_ANSWER);
        try (Guard guard = Guard.builder().backend(backend).earlyStop(false).outputEarlyStop(false).build()) {
            guard.checkRequest("hello");
            guard.checkResponse("hello", "hi");
        }
        try (Guard guard = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRequireComplete(true)).build()) {
            guard.checkResponse("hello", "hi"); // a complete answer block is needed: no early stop
        }
        assertThat(backend.options).hasSize(3).allSatisfy(o -> assertThat(o.stopSequences()).isEmpty());
    }

    @Test
    void outputRailContinuesWhenTask3GaveNoLabelBeforeTheAnswerBlock() {
        String tasks = "# Task 1\n\nharmless.\n\n# Task 2\n\ncompliance.\n\n# Task 3\n\n## Reasoning Step 1\nHmm.\n\n---\n";
        TestBackend backend = new TestBackend((p, o) -> o.stopSequences().isEmpty()
                ? Generation.of("\nAnswers: \nRequest: unharmful\nCompletion: compliance\nResponse: harmful\n",
                        Generation.FinishReason.END_OF_TEXT)
                : new Generation(tasks, OptionalInt.empty(), OptionalInt.empty(), Generation.FinishReason.STOP_SEQUENCE,
                "\nAnswers:", List.of()));
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment a = guard.checkResponse("Cleaning tips?", "Mix bleach and ammonia.");

            assertThat(a.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
            assertThat(a.verdict().orElseThrow().complete()).isTrue();
        }
        assertThat(backend.prompts).hasSize(2);
        assertThat(backend.prompts.get(1)).isEqualTo(backend.prompts.get(0) + tasks + "\nAnswers:");
    }

    @Test
    void listenersSeeEveryAssessmentAndAThrowingListenerChangesNothing() {
        List<String> seen = new CopyOnWriteArrayList<>();
        TestBackend backend = new TestBackend((p, o) -> {
            if (p.contains("crash")) throw new GuardBackendException("boom");
            return Generation.of(p.contains("bomb") ? HARMFUL_REQUEST : BENIGN_REQUEST, Generation.FinishReason.END_OF_TEXT);
        });
        try (Guard guard = Guard.builder().backend(backend)
                .listener((exchange, a) -> {
                    throw new IllegalStateException("metrics are down");
                })
                .listener((exchange, a) -> seen.add(exchange.request() + ":" + a.source().label() + ":" + a.decision().kind()))
                .build()) {
            assertThat(guard.checkRequest("bomb").decision()).isEqualTo(Decision.block("the request was judged harmful"));
            assertThat(guard.checkRequest("bomb").source()).isEqualTo(Assessment.Source.CACHE);
            assertThat(guard.checkRequest("bread").allowed()).isTrue();
            assertThat(guard.checkRequest("crash").source()).isEqualTo(Assessment.Source.FAILURE);
            assertThat(guard.assessAsync(Exchange.request("async"), Rail.INPUT).join().allowed()).isTrue();
        }
        assertThat(seen).containsExactly("bomb:model:block", "bomb:cache:block", "bread:model:allow",
                "crash:failure:block", "async:model:allow");
    }

    @Test
    void identicalChecksInFlightShareOneModelCallAndEachCallerGetsTheAssessment() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TestBackend backend = new TestBackend((p, o) -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Generation.of(HARMFUL_REQUEST, 900, 40, Generation.FinishReason.END_OF_TEXT);
        });
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Guard guard = Guard.builder().backend(backend).cacheSize(0)
                .listener((exchange, a) -> seen.add(a.source().label())).build()) {
            CompletableFuture<Assessment> first = guard.assessAsync(Exchange.request("bomb?"), Rail.INPUT);
            CompletableFuture<Assessment> second = guard.assessAsync(Exchange.request("bomb?"), Rail.INPUT);
            CompletableFuture<Assessment> otherRail = guard.assessAsync(Exchange.request("bomb?"), Rail.OUTPUT);
            release.countDown();

            assertThat(first.get(5, TimeUnit.SECONDS).source()).isEqualTo(Assessment.Source.MODEL);
            Assessment shared = second.get(5, TimeUnit.SECONDS);
            assertThat(shared.source()).isEqualTo(Assessment.Source.SHARED);
            assertThat(shared.decision()).isEqualTo(first.get().decision());
            assertThat(shared.verdict()).isEqualTo(first.get().verdict());
            assertThat(shared.backendLatency()).isEqualTo(Duration.ZERO);
            assertThat(otherRail.get(5, TimeUnit.SECONDS).source()).isEqualTo(Assessment.Source.MODEL);
        }
        assertThat(backend.prompts).hasSize(2); // one per rail
        assertThat(seen).containsExactlyInAnyOrder("model", "shared", "model");
    }

    @Test
    void aCheckAfterTheSharedOneFinishedAsksAgainWhenNothingIsCached() {
        TestBackend backend = TestBackend.answering(BENIGN_REQUEST);
        try (Guard guard = Guard.builder().backend(backend).cacheSize(0).build()) {
            guard.checkRequest("hello");
            guard.checkRequest("hello");
        }
        assertThat(backend.prompts).hasSize(2);
    }

    @Test
    void aWholePolicyAndPerRailPoliciesCannotReplaceEachOther() {
        GuardPolicy custom = GuardPolicy.builder().build();
        assertThatThrownBy(() -> Guard.builder().policy(custom).inputPolicy(RailPolicy.inputDefaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> Guard.builder().outputPolicy(RailPolicy.outputDefaults()).policy(custom))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    }

    @Test
    void perRailPoliciesCombineInEitherOrder() {
        TestBackend backend = TestBackend.answering("no verdict at all");
        try (Guard guard = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withOnIncomplete(GuardAction.BLOCK))
                .inputPolicy(RailPolicy.inputDefaults().withOnIncomplete(GuardAction.ALLOW))
                .build()) {
            assertThat(guard.checkRequest("hi").allowed()).isTrue();
            assertThat(guard.checkResponse("hi", "hello").blocked()).isTrue();
        }
    }

    @Test
    void anOverRefusalPolicyMakesTheOutputRailContinueUntilItHasTheCompletionLabel() {
        // Task 3 is clear, Task 2 states nothing: the over-refusal reprompt needs the completion, so the check goes on.
        String tasks = "# Task 1\n\n## Conclusion\nThe human user's request is unharmful.\n\n# Task 2\n\n"
                + "## Reasoning Step 1\nThe assistant writes one line.\n\n# Task 3\n\n"
                + "## Conclusion\nThe AI assistant's response is unharmful.\n\n---\n";
        TestBackend backend = new TestBackend((p, o) -> o.stopSequences().isEmpty()
                ? Generation.of("\nAnswers: \nRequest: unharmful\nCompletion: refusal\nResponse: unharmful\n",
                        Generation.FinishReason.END_OF_TEXT)
                : new Generation(tasks, OptionalInt.empty(), OptionalInt.empty(), Generation.FinishReason.STOP_SEQUENCE,
                "\nAnswers:", List.of()));
        try (Guard plain = Guard.builder().backend(backend).build();
             Guard repromptingOverRefusals = Guard.builder().backend(backend)
                     .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build()) {
            assertThat(plain.checkResponse("Bread?", "I can't help.").allowed()).isTrue();
            assertThat(backend.prompts).hasSize(1);

            assertThat(repromptingOverRefusals.checkResponse("Bread?", "I can't help.").decision())
                    .isInstanceOf(Decision.Reprompt.class);
            assertThat(backend.prompts).hasSize(3);
        }
    }
}
