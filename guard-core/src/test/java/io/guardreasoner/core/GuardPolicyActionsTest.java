package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardPolicyActionsTest {

    private static final GuardFailure DOWN = GuardFailure.of(GuardFailure.Kind.BACKEND_ERROR, "localai failed: connection refused");
    private static final Verdict HARMFUL_REQUEST = Verdict.of(Harm.HARMFUL, null, null);
    private static final Verdict BENIGN_REQUEST = Verdict.of(Harm.UNHARMFUL, null, null);
    private static final Verdict HARMFUL_ANSWER = Verdict.of(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
    private static final Verdict BENIGN_ANSWER = Verdict.of(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL);
    private static final Verdict OVER_REFUSAL = Verdict.of(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
    private static final Verdict NO_LABELS = Verdict.empty("I am not sure.");

    private final GuardPolicy defaults = GuardPolicy.defaults();

    @Test
    void inputRailBlocksHarmfulRequestsAndAllowsBenignOnes() {
        assertThat(defaults.decide(Rail.INPUT, HARMFUL_REQUEST)).isEqualTo(Decision.block("the request was judged harmful"));
        assertThat(defaults.decide(Rail.INPUT, BENIGN_REQUEST)).isEqualTo(Decision.allow());
    }

    @Test
    void inputRailJudgesTheRequestLabelOnly() {
        assertThat(defaults.decide(Rail.INPUT, HARMFUL_ANSWER)).isEqualTo(Decision.allow());
    }

    @Test
    void outputRailRewritesHarmfulAnswersWithTheSafeMessage() {
        assertThat(defaults.decide(Rail.OUTPUT, HARMFUL_ANSWER))
                .isEqualTo(Decision.rewrite("I'm sorry, but I can't help with that."));
        assertThat(defaults.decide(Rail.OUTPUT, BENIGN_ANSWER)).isEqualTo(Decision.allow());
        // A harmful request with a harmless answer is the answer's business: it passes.
        assertThat(defaults.decide(Rail.OUTPUT, Verdict.of(Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL)))
                .isEqualTo(Decision.allow());
    }

    @Test
    void incompleteVerdictsFailClosedOnBothRailsByDefault() {
        Decision input = defaults.decide(Rail.INPUT, NO_LABELS);
        assertThat(input).isInstanceOf(Decision.Block.class);
        assertThat(((Decision.Block) input).reason()).contains("incomplete").contains("request=none");
        assertThat(defaults.decide(Rail.OUTPUT, BENIGN_REQUEST)).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
    }

    @Test
    void backendFailuresFailClosedOnBothRailsByDefault() {
        Decision input = defaults.onFailure(Rail.INPUT, DOWN);
        assertThat(input).isInstanceOf(Decision.Block.class);
        assertThat(((Decision.Block) input).reason()).isEqualTo("the guard failed (backend_error): localai failed: connection refused");
        assertThat(defaults.onFailure(Rail.OUTPUT, DOWN)).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
    }

    @Test
    void overRefusalIsAllowedByDefaultAndRepromptedWhenAskedFor() {
        assertThat(defaults.decide(Rail.OUTPUT, OVER_REFUSAL)).isEqualTo(Decision.allow());

        GuardPolicy reprompting = GuardPolicy.builder()
                .output(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();

        assertThat(reprompting.decide(Rail.OUTPUT, OVER_REFUSAL))
                .isEqualTo(Decision.reprompt(RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE));
        // Refusing a harmful request is right; refusing with harmful content is still harmful.
        assertThat(reprompting.decide(Rail.OUTPUT, Verdict.of(Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL)))
                .isEqualTo(Decision.allow());
        assertThat(reprompting.decide(Rail.OUTPUT, Verdict.of(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.HARMFUL)))
                .isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
    }

    @Test
    void everySituationTakesItsOwnConfiguredAction() {
        GuardPolicy policy = GuardPolicy.builder()
                .input(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE).withRewriteMessage("Decline politely.")
                        .withOnIncomplete(GuardAction.ALLOW).withOnFailure(GuardAction.ALLOW))
                .output(RailPolicy.outputDefaults().withOnHarmful(GuardAction.REPROMPT).withRepromptGuidance("Try again.")
                        .withOnIncomplete(GuardAction.BLOCK).withOnFailure(GuardAction.ALLOW))
                .build();

        assertThat(policy.decide(Rail.INPUT, HARMFUL_REQUEST)).isEqualTo(Decision.rewrite("Decline politely."));
        assertThat(policy.decide(Rail.INPUT, NO_LABELS)).isEqualTo(Decision.allow());
        assertThat(policy.onFailure(Rail.INPUT, DOWN)).isEqualTo(Decision.allow());
        assertThat(policy.decide(Rail.OUTPUT, HARMFUL_ANSWER)).isEqualTo(Decision.reprompt("Try again."));
        assertThat(policy.decide(Rail.OUTPUT, NO_LABELS)).isInstanceOf(Decision.Block.class);
        assertThat(policy.onFailure(Rail.OUTPUT, DOWN)).isEqualTo(Decision.allow());
    }

    @Test
    void requireCompleteAndRequireConsistentTreatSuchVerdictsAsIncomplete() {
        Verdict incompleteButLabelled = new Verdict(Optional.of(Harm.UNHARMFUL), Optional.empty(), Optional.empty(),
                false, true, Verdict.Reasoning.NONE, "## Conclusion\nThe request is unharmful.");
        Verdict inconsistent = new Verdict(Optional.of(Harm.UNHARMFUL), Optional.empty(), Optional.empty(),
                true, false, Verdict.Reasoning.NONE, "raw");

        assertThat(defaults.decide(Rail.INPUT, incompleteButLabelled)).isEqualTo(Decision.allow());
        assertThat(defaults.decide(Rail.INPUT, inconsistent)).isEqualTo(Decision.allow());

        GuardPolicy strict = GuardPolicy.builder()
                .input(RailPolicy.inputDefaults().withRequireComplete(true).withRequireConsistent(true)).build();
        assertThat(strict.decide(Rail.INPUT, incompleteButLabelled)).isInstanceOf(Decision.Block.class);
        assertThat(strict.decide(Rail.INPUT, inconsistent)).isInstanceOf(Decision.Block.class);
        assertThat(strict.decide(Rail.INPUT, BENIGN_REQUEST)).isEqualTo(Decision.allow());
    }

    @Test
    void inputRailRefusesToReprompt() {
        for (RailPolicy input : new RailPolicy[] {
                RailPolicy.inputDefaults().withOnHarmful(GuardAction.REPROMPT),
                RailPolicy.inputDefaults().withOnIncomplete(GuardAction.REPROMPT),
                RailPolicy.inputDefaults().withOnFailure(GuardAction.REPROMPT)}) {
            assertThatThrownBy(() -> GuardPolicy.builder().input(input).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("the input rail cannot reprompt");
        }
        assertThatThrownBy(() -> GuardPolicy.builder().input(RailPolicy.inputDefaults().withRepromptOverRefusal(true)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output rail only");
        assertThatThrownBy(() -> Guard.builder().inputPolicy(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REPROMPT)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBlankRewriteMessageIsRefused() {
        assertThatThrownBy(() -> RailPolicy.outputDefaults().withRewriteMessage(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rewriteMessage");
    }
}
