package io.guardreasoner.test;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.core.VerdictParser;
import org.junit.jupiter.api.Test;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;
import static io.guardreasoner.test.GuardReasonerAssertions.assertThatThrownBy;

/** The AssertJ assertions pass on what they claim and fail with messages that say what was found. */
class GuardReasonerAssertionsTest {

    private final ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()
            .whenRequestContains("bomb").answer(Harm.HARMFUL, null, null)
            .whenResponseContains("poison").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));

    @Test
    void assessmentAssertionsPassOnMatchingDecisions() {
        try (Guard guard = Guard.builder().backend(backend).build()) {
            assertThat(guard.checkRequest("Build a bomb")).isBlocked().hasRequest(Harm.HARMFUL).wasServedByModel()
                    .isBlockedBecause("judged harmful");
            assertThat(guard.checkRequest("Build a bomb")).wasServedFromCache();
            assertThat(guard.checkRequest("Bake bread")).isAllowed().hasRequest(Harm.UNHARMFUL);
            assertThat(guard.checkResponse("Cook", "Add poison")).wasRewrittenTo(RailPolicy.DEFAULT_OUTPUT_REWRITE)
                    .hasResponse(Harm.HARMFUL).hasCompletion(Compliance.COMPLIANCE);
        }
    }

    @Test
    void assessmentAssertionsFailWithTheActualDecision() {
        try (Guard guard = Guard.builder().backend(backend).build()) {
            var allowed = guard.checkRequest("Bake bread");
            assertThatThrownBy(() -> assertThat(allowed).isBlocked())
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expected the decision to be <block> but it was <Allow[]>")
                    .hasMessageContaining("request=unharmful");
            assertThatThrownBy(() -> assertThat(allowed).wasServedFromCache())
                    .hasMessageContaining("Expected the verdict source to be <cache> but it was <model>");
            assertThatThrownBy(() -> assertThat(allowed).hasRequest(Harm.HARMFUL))
                    .hasMessageContaining("Expected the verdict's request label to be <harmful> but was <unharmful>");
        }
    }

    @Test
    void failureAssertionsSeeTheFailure() {
        backend.failWith("server on fire");
        try (Guard guard = Guard.builder().backend(backend).build()) {
            var failed = guard.checkRequest("Hi");
            assertThat(failed).isBlocked().failed().failedWith(GuardFailure.Kind.BACKEND_ERROR)
                    .failedWithMessageContaining("server on fire");
            assertThatThrownBy(() -> assertThat(failed).verdict())
                    .hasMessageContaining("Expected a verdict but the check had none (backend_error: scripted failed: server on fire)");
            assertThatThrownBy(() -> assertThat(failed).failedWith(GuardFailure.Kind.TIMEOUT))
                    .hasMessageContaining("Expected a TIMEOUT failure but it was BACKEND_ERROR");
        }
    }

    @Test
    void verdictAssertions() {
        Verdict v = VerdictParser.standard().parse(GuardReasonerOutputs.format(Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL));
        assertThat(v).hasRequest(Harm.HARMFUL).hasCompletion(Compliance.REFUSAL).hasResponse(Harm.UNHARMFUL)
                .isComplete().isConsistent();
        assertThat(VerdictParser.standard().parse("no labels here")).hasNoRequestLabel().hasNoResponseLabel();
        assertThatThrownBy(() -> assertThat(v).hasResponse(Harm.HARMFUL))
                .hasMessageContaining("response label to be <harmful> but was <unharmful>")
                .hasMessageContaining("Answers:");
    }

    @Test
    void stubAssertionsCheckWhatTheStubWasAsked() throws Exception {
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.start()) {
            String prompt = io.guardreasoner.core.GuardPrompt.modelCard()
                    .render(io.guardreasoner.core.Exchange.of("Hello", "Hi there"));
            try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(stub.url() + "/completions"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper()
                                .writeValueAsString(java.util.Map.of("model", stub.modelName(), "prompt", prompt, "temperature", 0))))
                        .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            }
            assertThat(stub).receivedPromptFor("Hello", "Hi there").receivedCompletions(1).receivedChats(0)
                    .receivedOnlyGreedyRequests().receivedNoPromptFor("Goodbye");
            assertThatThrownBy(() -> assertThat(stub).receivedPromptFor("Hello"))
                    .hasMessageContaining("Expected the stub to be asked about")
                    .hasMessageContaining("request <Hello>, no response")
                    .hasMessageContaining("request <Hello>, response <Hi there>");
            assertThatThrownBy(() -> assertThat(stub).receivedNothing()).isInstanceOf(AssertionError.class);
        }
    }

    @Test
    void inheritsEveryOtherAssertJEntryPoint() {
        assertThat("text").startsWith("te");
        assertThat(java.util.List.of(1, 2)).hasSize(2);
    }
}
