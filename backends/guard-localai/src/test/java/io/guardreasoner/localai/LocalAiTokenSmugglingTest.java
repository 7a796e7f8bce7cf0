package io.guardreasoner.localai;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Rail;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.StubRequest;
import io.guardreasoner.test.TokenSmuggling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token smuggling on the server path (issue 14): every special-token attack of {@link TokenSmuggling}, on both
 * rails, through the {@code Guard} API and {@code LocalAiBackend} to a real HTTP server. Whatever the sides hold,
 * the prompts on the wire hold no string a Llama-3 tokenizer reads as a special token, keep every word the user
 * wrote (marks aside), and each turn ends in the policy's decision on the model's verdict. (The same attacks against
 * an in-process backend: guard-test's HostileInputTest.)
 */
class LocalAiTokenSmugglingTest {

    private static final GuardReasonerStubServer STUB = GuardReasonerStubServer.start(GuardScript.create()
            .when(e -> true).answer(Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));
    private static final Guard GUARD = Guard.builder()
            .backend(LocalAiBackend.builder().baseUrl(STUB.url()).timeout(Duration.ofSeconds(30)).build())
            .timeout(Duration.ofSeconds(60))
            .cacheSize(0)
            .build();

    static List<TokenSmuggling.Attack> attacks() {
        return TokenSmuggling.attacks(GuardPrompt.modelCard());
    }

    @BeforeEach
    void forgetEarlierRequests() {
        STUB.reset();
    }

    @AfterAll
    static void stop() {
        GUARD.close();
        STUB.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void smuggledSpecialTokensReachTheServerOnlyAsPlainText(TokenSmuggling.Attack attack) {
        Assessment assessment = GUARD.assess(attack.exchange(), attack.rail());

        List<StubRequest> wire = STUB.completionRequests();
        assertThat(wire).isNotEmpty();
        for (StubRequest request : wire) TokenSmuggling.assertOnlyPlainText(request.prompt(), attack);
        // The guard's prompt is the one the prompt builder renders, and it reads back into the cleaned sides.
        GuardPrompt prompt = GUARD.prompt();
        assertThat(wire.get(0).prompt()).isEqualTo(prompt.render(attack.exchange()));
        Exchange back = wire.get(0).exchange().orElseThrow();
        assertThat(back.request()).isEqualTo(prompt.clean(attack.request()));
        assertThat(back.response()).isEqualTo(attack.rail() == Rail.INPUT ? Optional.empty()
                : Optional.of(prompt.clean(attack.response())));
        assertThat(STUB.judgedExchanges()).hasSize(1);
        // The turn ends in the policy's decision on the model's verdict (harmful), not in a failure.
        assertThat(assessment.source()).isEqualTo(Assessment.Source.MODEL);
        Decision expected = GUARD.policy().decide(attack.rail(), assessment.verdict().orElseThrow());
        assertThat(assessment.decision()).isEqualTo(expected).isInstanceOfAny(Decision.Block.class, Decision.Rewrite.class);
    }
}
