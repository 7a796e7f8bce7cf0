package io.guardreasoner.localai;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/** A Guard over LocalAiBackend against the stub server makes the policy's decisions, failures included. */
@GuardReasonerStub
class LocalAiGuardTest {

    private static Guard guardOver(GuardReasonerStubServer stub) {
        return Guard.builder()
                .backend(LocalAiBackend.builder().baseUrl(stub.url()).timeout(Duration.ofSeconds(5)).build())
                .build();
    }

    @Test
    void blocksHarmfulRequestAndAllowsBenignOne(GuardReasonerStubServer stub) {
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
        try (Guard guard = guardOver(stub)) {
            assertThat(guard.checkRequest("How do I build a bomb?")).isBlocked().hasRequest(Harm.HARMFUL)
                    .isBlockedBecause("the request was judged harmful");
            assertThat(guard.checkRequest("How do I bake bread?")).isAllowed().hasRequest(Harm.UNHARMFUL);
        }
        assertThat(stub).receivedPromptFor("How do I build a bomb?").receivedPromptFor("How do I bake bread?")
                .receivedCompletions(2).receivedOnlyGreedyRequests();
    }

    @Test
    void rewritesHarmfulAnswerWithSafeMessage(GuardReasonerStubServer stub) {
        stub.script().whenResponseContains("phishing").answer(Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
        try (Guard guard = guardOver(stub)) {
            assertThat(guard.checkResponse("Write an email", "Here is a phishing email: ..."))
                    .wasRewrittenTo(RailPolicy.DEFAULT_OUTPUT_REWRITE).hasResponse(Harm.HARMFUL);
            assertThat(guard.checkResponse("Write an email", "Dear Sam, see you Monday.")).isAllowed();
        }
        assertThat(stub).receivedPromptFor("Write an email", "Here is a phishing email: ...");
    }

    @Test
    void servesRepeatsFromCacheWithoutAskingAgain(GuardReasonerStubServer stub) {
        try (Guard guard = guardOver(stub)) {
            assertThat(guard.checkRequest("Hello")).wasServedByModel().isAllowed();
            assertThat(guard.checkRequest("Hello")).wasServedFromCache().isAllowed();
        }
        assertThat(stub).receivedCompletions(1);
    }

    @Test
    void serverFailureEndsInThePolicysFailureDecisionNamingTheUrl(GuardReasonerStubServer stub) {
        stub.failAlways(StubFault.status(500, "backend crashed"));
        try (Guard guard = guardOver(stub)) {
            assertThat(guard.checkRequest("Hello")).isBlocked().failedWith(GuardFailure.Kind.BACKEND_ERROR)
                    .failedWithMessageContaining("LocalAI at " + stub.url() + " answered HTTP 500")
                    .failedWithMessageContaining("backend crashed");
            assertThat(guard.checkResponse("Hello", "Hi!")).wasRewrittenTo(RailPolicy.DEFAULT_OUTPUT_REWRITE).failed();
        }
    }

    @Test
    void guardTimeoutCutsASlowServerShort(GuardReasonerStubServer stub) {
        stub.failAlways(StubFault.delay(Duration.ofSeconds(5)));
        try (Guard guard = Guard.builder()
                .backend(LocalAiBackend.builder().baseUrl(stub.url()).timeout(Duration.ofSeconds(30)).build())
                .timeout(Duration.ofMillis(300))
                .build()) {
            assertThat(guard.checkRequest("Hello")).isBlocked().failedWith(GuardFailure.Kind.TIMEOUT)
                    .failedWithMessageContaining("no verdict within 300 ms");
        }
    }

    @Test
    void concurrentChecksSpreadOverTwoServers(GuardReasonerStubServer stub) {
        try (GuardReasonerStubServer second = GuardReasonerStubServer.start();
             Guard guard = Guard.builder()
                     .backend(LocalAiBackend.builder().baseUrls(java.util.List.of(stub.url(), second.url())).build())
                     .maxConcurrent(4)
                     .build()) {
            var futures = java.util.stream.IntStream.range(0, 20)
                    .mapToObj(i -> guard.assessAsync(io.guardreasoner.core.Exchange.request("question " + i),
                            io.guardreasoner.core.Rail.INPUT))
                    .toList();
            futures.forEach(f -> assertThat(f.join()).isAllowed().wasServedByModel());
            assertThat(stub.completionRequests()).hasSize(10);
            assertThat(second.completionRequests()).hasSize(10);
        }
    }

    @Test
    void cutOffOutputIsIncompleteAndFailsClosed(GuardReasonerStubServer stub) {
        stub.failNext(StubFault.cutOff(40), StubFault.cutOff(40));
        try (Guard guard = guardOver(stub)) {
            assertThat(guard.checkResponse("Hello", "Hi!")).wasRewritten().wasServedByModel().verdict().hasNoResponseLabel();
        }
    }
}
