package io.guardreasoner.spring;

import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LazyGuardBackendTest {

    private final String prompt = GuardPrompt.modelCard().render(Exchange.request("How do I bake bread?"));

    @Test
    void buildsTheBackendOnceAtTheFirstCheck() {
        AtomicInteger builds = new AtomicInteger();
        LazyGuardBackend lazy = new LazyGuardBackend("scripted", "m", () -> {
            builds.incrementAndGet();
            return new ScriptedGuardBackend(GuardScript.create());
        });
        assertThat(lazy.isLoaded()).isFalse();
        assertThat(lazy.health().detail()).contains("not loaded yet");

        assertThat(lazy.generate(prompt, GenerationOptions.maxTokens(50)).text()).contains("Task 1");
        lazy.generate(prompt, GenerationOptions.maxTokens(50));
        assertThat(builds).hasValue(1);
        assertThat(lazy.isLoaded()).isTrue();
    }

    @Test
    void aFailedLoadIsReportedAndRetriedAtTheNextCheck() {
        AtomicInteger attempts = new AtomicInteger();
        LazyGuardBackend lazy = new LazyGuardBackend("jlama", "m", () -> {
            if (attempts.incrementAndGet() == 1) throw new IllegalStateException("weights not there yet");
            return new ScriptedGuardBackend(GuardScript.create());
        });
        assertThatThrownBy(() -> lazy.generate(prompt, GenerationOptions.maxTokens(50)))
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("weights not there yet");
        assertThat(lazy.health().up()).isFalse();

        lazy.generate(prompt, GenerationOptions.maxTokens(50));
        assertThat(lazy.health().up()).isTrue();
    }

    @Test
    void closesTheLoadedBackendOnlyOnceAndRefusesChecksAfterwards() {
        AtomicInteger closes = new AtomicInteger();
        LazyGuardBackend lazy = new LazyGuardBackend("scripted", "m", () -> new GuardBackend() {
            @Override
            public io.guardreasoner.core.Generation generate(String p, GenerationOptions o) {
                return io.guardreasoner.core.Generation.of("", io.guardreasoner.core.Generation.FinishReason.END_OF_TEXT);
            }

            @Override
            public String modelId() {
                return "m";
            }

            @Override
            public void close() {
                closes.incrementAndGet();
            }
        });
        lazy.load();
        lazy.close();
        lazy.close();
        assertThat(closes).hasValue(1);
        assertThatThrownBy(() -> lazy.generate(prompt, GenerationOptions.maxTokens(5))).hasMessageContaining("closed");
    }

    @Test
    void resumeAndPrefillReachTheLoadedBackendAndPrefillNeverLoadsIt() {
        java.util.List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        ScriptedGuardBackend scripted = new ScriptedGuardBackend(GuardScript.create());
        LazyGuardBackend lazy = new LazyGuardBackend("jlama", "m", () -> new io.guardreasoner.core.GuardBackend() {
            @Override
            public io.guardreasoner.core.Generation generate(String p, GenerationOptions options) {
                return scripted.generate(p, options);
            }

            @Override
            public String modelId() {
                return "m";
            }

            @Override
            public io.guardreasoner.core.Generation resume(String p, io.guardreasoner.core.Generation stopped,
                                                           GenerationOptions options) {
                calls.add("resume");
                return stopped;
            }

            @Override
            public void prefill(String promptPrefix) {
                calls.add("prefill");
            }
        });
        lazy.prefill(prompt);
        assertThat(lazy.isLoaded()).isFalse();

        io.guardreasoner.core.Generation stopped = lazy.generate(prompt, GenerationOptions.maxTokens(5));
        lazy.prefill(prompt);
        lazy.resume(prompt, stopped, GenerationOptions.maxTokens(5));

        assertThat(calls).containsExactly("prefill", "resume");
    }
}
