package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Shadow mode, per-call policies, a model per rail and probability thresholds on the facade. */
class GuardRolloutTest {

    private static final String HARMFUL_REQUEST = "Answers: \nRequest: harmful\nCompletion: None\nResponse: None\n";
    private static final String BENIGN_REQUEST = "Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n";

    @Test
    void shadowModeLetsEveryTurnPassAndKeepsTheWouldBeDecision() {
        GuardTest.TestBackend backend = GuardTest.TestBackend.answering(HARMFUL_REQUEST);
        try (Guard guard = Guard.builder().backend(backend).policy(GuardPolicy.observeOnly(GuardPolicy.defaults())).build()) {
            Assessment a = guard.checkRequest("How do I build a bomb?");

            assertThat(a.decision()).isEqualTo(Decision.block("the request was judged harmful"));
            assertThat(a.enforced()).isFalse();
            assertThat(a.effectiveDecision()).isEqualTo(Decision.allow());
            assertThat(a.allowed()).isTrue();
            assertThat(a.blocked()).isFalse();
            // A cached repeat is still not enforced.
            Assessment again = guard.checkRequest("How do I build a bomb?");
            assertThat(again.source()).isEqualTo(Assessment.Source.CACHE);
            assertThat(again.enforced()).isFalse();
        }
    }

    @Test
    void shadowModeKeepsTheFailureDecisionUnenforcedToo() {
        GuardTest.TestBackend down = new GuardTest.TestBackend((p, o) -> {
            throw new GuardBackendException("server down");
        });
        try (Guard guard = Guard.builder().backend(down).policy(GuardPolicy.observeOnly(GuardPolicy.defaults())).build()) {
            Assessment a = guard.checkRequest("hi");
            assertThat(a.decision()).isInstanceOf(Decision.Block.class);
            assertThat(a.allowed()).isTrue();
        }
    }

    @Test
    void aPerCallPolicyDecidesTheSameVerdictDifferentlyWithoutAskingTheModelAgain() {
        GuardTest.TestBackend backend = GuardTest.TestBackend.answering(HARMFUL_REQUEST);
        GuardPolicy lenient = GuardPolicy.builder().input(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE)).build();
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment strict = guard.assess(Exchange.request("bomb?"), Rail.INPUT);
            Assessment rewritten = guard.assess(Exchange.request("bomb?"), Rail.INPUT, lenient);

            assertThat(strict.blocked()).isTrue();
            assertThat(rewritten.decision()).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_INPUT_REWRITE));
            assertThat(rewritten.source()).isEqualTo(Assessment.Source.CACHE);
        }
        assertThat(backend.prompts).hasSize(1);
    }

    @Test
    void eachRailAsksItsOwnBackendAndTheCacheKeepsTheirVerdictsApart() {
        GuardTest.TestBackend small = new GuardTest.TestBackend((p, o) ->
                Generation.of(BENIGN_REQUEST, Generation.FinishReason.END_OF_TEXT)) {
            @Override
            public String modelId() {
                return "GuardReasoner-1B";
            }
        };
        GuardTest.TestBackend large = GuardTest.TestBackend.answering(
                "Answers: \nRequest: unharmful\nCompletion: compliance\nResponse: harmful\n");
        List<String> models = new CopyOnWriteArrayList<>();
        try (Guard guard = Guard.builder().inputBackend(small).outputBackend(large)
                .listener((e, a) -> models.add(a.rail().label() + ":" + a.modelId())).build()) {
            assertThat(guard.checkRequest("Cleaning tips?").allowed()).isTrue();
            assertThat(guard.checkResponse("Cleaning tips?", "Mix bleach and ammonia.").decision())
                    .isInstanceOf(Decision.Rewrite.class);
            assertThat(guard.backend(Rail.INPUT)).isSameAs(small);
            assertThat(guard.backend(Rail.OUTPUT)).isSameAs(large);
        }
        assertThat(small.prompts).hasSize(1);
        assertThat(large.prompts).hasSize(1);
        assertThat(small.closed).isTrue();
        assertThat(large.closed).isTrue();
        assertThat(models).containsExactly("input:GuardReasoner-1B", "output:test/guard");
    }

    @Test
    void aThresholdTurnsAGreedyUnharmfulLabelIntoHarmfulWhenTheModelWasUnsure() {
        List<GeneratedToken> tokens = List.of(new GeneratedToken("Answers: \nRequest:", 0, List.of()),
                new GeneratedToken(" un", Math.log(0.6), List.of(new GeneratedToken.Alternative(" un", Math.log(0.6)),
                        new GeneratedToken.Alternative(" harmful", Math.log(0.38)))),
                new GeneratedToken("harmful\nCompletion: None\nResponse: None\n", 0, List.of()));
        String text = "Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n";
        GuardTest.TestBackend backend = new GuardTest.TestBackend((p, o) -> new Generation(text, OptionalInt.empty(),
                OptionalInt.empty(), Generation.FinishReason.END_OF_TEXT, "", o.topLogprobs() > 0 ? tokens : List.of()));

        try (Guard greedy = Guard.builder().backend(backend).build();
             Guard careful = Guard.builder().backend(backend)
                     .inputPolicy(RailPolicy.inputDefaults().withHarmfulThreshold(0.3)).build();
             Guard blind = Guard.builder().backend(backend).topLogprobs(0)
                     .inputPolicy(RailPolicy.inputDefaults().withHarmfulThreshold(0.3)).build()) {
            Assessment a = greedy.checkRequest("Is this fine?");
            assertThat(a.allowed()).isTrue();
            assertThat(a.verdict().orElseThrow().confidence().request()).hasValueSatisfying(c ->
                    assertThat(c.probabilityOf(Harm.HARMFUL)).isEqualTo(0.38, org.assertj.core.api.Assertions.within(1e-9)));

            Assessment b = careful.checkRequest("Is this fine?");
            assertThat(b.blocked()).isTrue();
            assertThat(((Decision.Block) b.decision()).reason()).contains("P(harmful)=0.38 >= 0.30");

            // Without token probabilities the threshold has nothing to read: the label decides.
            assertThat(blind.checkRequest("Is this fine?").allowed()).isTrue();
        }
    }

    @Test
    void prefillHandsTheBackendTheGrowingPromptWithoutItsClosingNewlines() throws Exception {
        List<String> prefixes = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        GuardTest.TestBackend backend = new GuardTest.TestBackend((p, o) -> Generation.of("", Generation.FinishReason.END_OF_TEXT)) {
            @Override
            public void prefill(String promptPrefix) {
                prefixes.add(promptPrefix);
                if (promptPrefix.endsWith("Mix flour and")) seen.countDown();
            }
        };
        try (Guard guard = Guard.builder().backend(backend).build()) {
            guard.prefill("Bread?", "Mix flour");
            guard.prefill("Bread?", "Mix flour and");
            assertThat(seen.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        String full = GuardPrompt.modelCard().render(Exchange.of("Bread?", "Mix flour and"));
        assertThat(prefixes.getLast()).isEqualTo(full.substring(0, full.length() - 2));
        assertThat(prefixes).allSatisfy(p -> assertThat(full).startsWith(p.substring(0, p.length() - 4)));
    }
}
