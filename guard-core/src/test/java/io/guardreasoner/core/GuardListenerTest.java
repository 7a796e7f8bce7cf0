package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class GuardListenerTest {

    private static final String VERDICT = "Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n";

    private final GuardBackend backend = new GuardBackend() {
        @Override
        public Generation generate(String prompt, GenerationOptions options) {
            return Generation.of(VERDICT, Generation.FinishReason.END_OF_TEXT);
        }

        @Override
        public String modelId() {
            return "fixed";
        }
    };

    @Test
    void blockingAssessTellsListenersOnTheCallingThreadBeforeItReturns() {
        List<String> threads = new CopyOnWriteArrayList<>();
        try (Guard guard = Guard.builder().backend(backend).listener((e, a) -> threads.add(Thread.currentThread().getName()))
                .build()) {
            guard.checkRequest("How do I bake bread?");
            guard.checkRequest("How do I bake bread?"); // a cache hit
        }
        assertThat(threads).hasSize(2).containsOnly(Thread.currentThread().getName());
    }

    @Test
    void failedChecksAreToldToListenersOnTheCallingThreadToo() {
        List<String> seen = new CopyOnWriteArrayList<>();
        GuardBackend failing = new GuardBackend() {
            @Override
            public Generation generate(String prompt, GenerationOptions options) {
                throw new GuardBackendException("server down");
            }

            @Override
            public String modelId() {
                return "down";
            }
        };
        try (Guard guard = Guard.builder().backend(failing)
                .listener((e, a) -> seen.add(Thread.currentThread().getName() + ":" + a.source().label())).build()) {
            assertThat(guard.checkRequest("hello").blocked()).isTrue();
        }
        assertThat(seen).containsExactly(Thread.currentThread().getName() + ":failure");
    }

    @Test
    void asyncAssessTellsListenersOnceBeforeTheFutureCompletes() {
        List<Assessment> seen = new CopyOnWriteArrayList<>();
        try (Guard guard = Guard.builder().backend(backend).listener((e, a) -> seen.add(a)).build()) {
            Assessment a = guard.assessAsync(Exchange.request("How do I bake bread?"), Rail.INPUT).join();
            assertThat(seen).containsExactly(a);
        }
    }
}
