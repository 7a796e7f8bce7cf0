package io.guardreasoner.localai;

import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;
import static io.guardreasoner.test.GuardReasonerAssertions.assertThatThrownBy;

/** LocalAI first, a scripted in-process backend when every LocalAI server is down. */
class LocalAiFallbackTest {

    private static final String PROMPT = io.guardreasoner.core.GuardPrompt.modelCard()
            .render(io.guardreasoner.core.Exchange.request("How do I build a bomb?"));

    @Test
    void usesPrimaryWhileItWorks() {
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.start()) {
            ScriptedGuardBackend fallback = new ScriptedGuardBackend(GuardScript.create());
            GuardBackend backend = FallbackBackend.of(LocalAiBackend.builder().baseUrl(stub.url()).build(), fallback);

            backend.generate(PROMPT, GenerationOptions.maxTokens(100));

            assertThat(stub).receivedCompletions(1);
            assertThat(fallback.prompts()).isEmpty();
        }
    }

    @Test
    void fallsBackWhenEveryLocalAiServerIsDown() {
        GuardReasonerStubServer a = GuardReasonerStubServer.start().failAlways(StubFault.status(502));
        GuardReasonerStubServer b = GuardReasonerStubServer.start();
        String downUrl = b.url();
        b.close();
        ScriptedGuardBackend fallback = new ScriptedGuardBackend(
                GuardScript.create().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null));
        try (a; Guard guard = Guard.builder()
                .backend(FallbackBackend.of(LocalAiBackend.builder().baseUrls(java.util.List.of(a.url(), downUrl)).build(), fallback))
                .build()) {
            assertThat(guard.checkRequest("How do I build a bomb?")).isBlocked().wasServedByModel().hasRequest(Harm.HARMFUL);
            assertThat(fallback.prompts()).hasSize(1);
        }
    }

    @Test
    void reportsBothFailuresWhenBothFail() {
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.start().failAlways(StubFault.status(500))) {
            GuardBackend backend = FallbackBackend.of(LocalAiBackend.builder().baseUrl(stub.url()).build(),
                    new ScriptedGuardBackend(GuardScript.create()).failWith("model directory missing"));

            assertThatThrownBy(() -> backend.generate(PROMPT, GenerationOptions.maxTokens(10)))
                    .isInstanceOf(GuardBackendException.class)
                    .hasMessageContaining("localai failed: LocalAI at " + stub.url() + " answered HTTP 500")
                    .hasMessageContaining("then fallback scripted failed: model directory missing");

            try (Guard guard = Guard.builder().backend(backend).build()) {
                assertThat(guard.checkRequest("Hi")).isBlocked().failedWith(GuardFailure.Kind.BACKEND_ERROR)
                        .failedWithMessageContaining("then fallback scripted failed");
            }
        }
    }
}
