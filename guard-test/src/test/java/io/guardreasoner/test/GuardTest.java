package io.guardreasoner.test;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Rail;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/** The Guard facade: cache, timeout, failures, overload, early stop and listeners, over scripted backends. */
class GuardTest {

    @Test
    void servesAnExactRepeatFromTheCacheWithoutAskingTheBackend() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()
                .whenRequestContains("bomb").answer(Harm.HARMFUL, null, null));
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("build a bomb")).isBlocked().wasServedByModel();
            assertThat(guard.checkRequest("build a bomb")).isBlocked().wasServedFromCache();
            assertThat(guard.checkResponse("bake bread", "Knead the dough.")).isAllowed().wasServedByModel();
            assertThat(guard.checkResponse("bake bread", "Knead the dough.")).isAllowed().wasServedFromCache();
            assertThat(guard.cachedVerdicts()).isEqualTo(2);
        }
        assertThat(backend.prompts()).hasSize(2);
    }

    @Test
    void anIncompleteVerdictIsNotCachedSoTheNextCheckAsksAgain() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create().when(e -> true).reply("no answer"));
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("hello")).isBlocked().wasServedByModel();
            assertThat(guard.checkRequest("hello")).isBlocked().wasServedByModel();
        }
        assertThat(backend.prompts()).hasSize(2);
    }

    @Test
    void aSlowBackendEndsInTheFailurePolicyAtTheTimeout() {
        GuardBackend slow = new SlowBackend(Duration.ofSeconds(5));
        try (Guard guard = Guard.builder().backend(slow).timeout(Duration.ofMillis(200)).build()) {
            long start = System.nanoTime();
            Assessment a = guard.checkRequest("hello");

            assertThat(a).failedWith(GuardFailure.Kind.TIMEOUT).isBlocked();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(a.verdict()).isEmpty();
            assertThat(guard.cachedVerdicts()).as("failures are not cached").isZero();
        }
    }

    @Test
    void aBackendErrorEndsInTheFailurePolicyWithItsMessage() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()).failWith("server on fire");
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("hello")).failedWith(GuardFailure.Kind.BACKEND_ERROR)
                    .failedWithMessageContaining("server on fire").isBlocked();
            assertThat(guard.checkResponse("hello", "hi")).failedWith(GuardFailure.Kind.BACKEND_ERROR)
                    .wasRewritten();
        }
    }

    @Test
    void checksBeyondTheQueueLimitAreRefusedAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GuardBackend blocked = new GuardBackend() {
            @Override
            public Generation generate(String prompt, GenerationOptions options) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Generation.of(GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null), Generation.FinishReason.END_OF_TEXT);
            }

            @Override
            public String modelId() {
                return "blocked";
            }
        };
        try (Guard guard = Guard.builder().backend(blocked).maxConcurrent(1).maxQueued(1).cacheSize(0)
                .timeout(Duration.ofSeconds(10)).build()) {
            CompletableFuture<Assessment> running = guard.assessAsync(Exchange.request("one"), Rail.INPUT);
            CompletableFuture<Assessment> queued = guard.assessAsync(Exchange.request("two"), Rail.INPUT);
            Assessment refused = guard.checkRequest("three");

            assertThat(refused).failedWith(GuardFailure.Kind.OVERLOADED)
                    .failedWithMessageContaining("maxQueued").isBlocked();
            release.countDown();
            assertThat(running.get(5, TimeUnit.SECONDS)).isAllowed();
            assertThat(queued.get(5, TimeUnit.SECONDS)).isAllowed();
        }
    }

    @Test
    void theInputRailStopsAtTask2AndRunsInFullOnlyWhenTask1GaveNoLabel() {
        RecordingBackend backend = new RecordingBackend(GuardScript.create()
                .whenRequestContains("bread").answer(Harm.UNHARMFUL, null, null)
                .whenRequestContains("odd").reply("# Task 1\n\n## Conclusion\nHard to say.\n\n# Task 2\n\n"
                        + "Answers: \nRequest: harmful\nCompletion: None\nResponse: None\n"));
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("bake bread")).isAllowed().hasRequest(Harm.UNHARMFUL);
            assertThat(backend.stops).containsExactly(List.of(Guard.TASK_2_HEADER));

            backend.stops.clear();
            assertThat(guard.checkRequest("an odd one")).isBlocked().hasRequest(Harm.HARMFUL);
            assertThat(backend.stops).containsExactly(List.of(Guard.TASK_2_HEADER), List.of());

            backend.stops.clear();
            guard.checkResponse("bake bread", "Knead the dough.");
            assertThat(backend.stops).as("the output rail needs all three tasks").containsExactly(List.of());
        }
        try (Guard guard = Guard.builder().backend(backend).earlyStop(false).build()) {
            backend.stops.clear();
            guard.checkRequest("bake more bread");
            assertThat(backend.stops).containsExactly(List.of());
        }
    }

    @Test
    void listenersSeeEveryAssessmentAndAThrowingOneChangesNothing() {
        List<Assessment> seen = new CopyOnWriteArrayList<>();
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()
                .whenRequestContains("bomb").answer(Harm.HARMFUL, null, null));
        try (Guard guard = Guard.builder().backend(backend)
                .listener((exchange, assessment) -> { throw new IllegalStateException("listener bug"); })
                .listener((exchange, assessment) -> seen.add(assessment))
                .build()) {
            assertThat(guard.checkRequest("bomb")).isBlocked();
            assertThat(guard.checkRequest("bomb")).isBlocked();
            backend.failWith("down");
            assertThat(guard.checkRequest("hello")).failed();
        }
        assertThat(seen).extracting(Assessment::source)
                .containsExactly(Assessment.Source.MODEL, Assessment.Source.CACHE, Assessment.Source.FAILURE);
    }

    @Test
    void aRewriteDecisionCarriesTheConfiguredMessage() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()
                .whenResponseContains("poison").answer(Harm.UNHARMFUL, io.guardreasoner.core.Compliance.COMPLIANCE, Harm.HARMFUL));
        try (Guard guard = Guard.builder().backend(backend)
                .outputPolicy(io.guardreasoner.core.RailPolicy.outputDefaults().withRewriteMessage("Not that."))
                .build()) {
            Assessment a = guard.checkResponse("garden tips", "use poison");
            assertThat(a).wasRewrittenTo("Not that.");
            assertThat(a.decision()).isEqualTo(Decision.rewrite("Not that."));
        }
    }

    /** Sleeps before answering, and notices interruption. */
    private record SlowBackend(Duration delay) implements GuardBackend {
        @Override
        public Generation generate(String prompt, GenerationOptions options) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Generation.of("Answers: \nRequest: unharmful\n", Generation.FinishReason.END_OF_TEXT);
        }

        @Override
        public String modelId() {
            return "slow";
        }
    }

    /** A scripted backend that records the stop sequences of each call. */
    private static final class RecordingBackend implements GuardBackend {
        final List<List<String>> stops = new ArrayList<>();
        private final ScriptedGuardBackend scripted;

        RecordingBackend(GuardScript script) {
            this.scripted = new ScriptedGuardBackend(script);
        }

        @Override
        public synchronized Generation generate(String prompt, GenerationOptions options) {
            stops.add(options.stopSequences());
            return scripted.generate(prompt, options);
        }

        @Override
        public String modelId() {
            return "recording";
        }
    }
}
