package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardPolicyTest {

    private final GuardPolicy defaults = GuardPolicy.defaults();

    @Test
    void inputRailBlocksHarmfulRequestsAndAllowsOthers() {
        assertThat(defaults.decide(Rail.INPUT, Verdict.of(Harm.HARMFUL, null, null)))
                .isEqualTo(Decision.block("the request was judged harmful"));
        assertThat(defaults.decide(Rail.INPUT, Verdict.of(Harm.UNHARMFUL, null, null))).isEqualTo(Decision.allow());
    }

    @Test
    void outputRailRewritesHarmfulResponsesWithTheSafeMessage() {
        assertThat(defaults.decide(Rail.OUTPUT, Verdict.of(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)))
                .isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
        assertThat(defaults.decide(Rail.OUTPUT, Verdict.of(Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL)))
                .as("a harmful request that was refused is fine on the output rail").isEqualTo(Decision.allow());
    }

    @Test
    void failsClosedOnIncompleteVerdictsAndFailuresByDefault() {
        Verdict noLabels = Verdict.empty("gibberish");
        GuardFailure down = GuardFailure.of(GuardFailure.Kind.BACKEND_ERROR, "server down");

        assertThat(defaults.decide(Rail.INPUT, noLabels)).isInstanceOf(Decision.Block.class);
        assertThat(defaults.decide(Rail.OUTPUT, noLabels)).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
        assertThat(defaults.onFailure(Rail.INPUT, down)).isInstanceOfSatisfying(Decision.Block.class,
                b -> assertThat(b.reason()).contains("backend_error").contains("server down"));
        assertThat(defaults.onFailure(Rail.OUTPUT, down)).isEqualTo(Decision.rewrite(RailPolicy.DEFAULT_OUTPUT_REWRITE));
    }

    @Test
    void eachSituationHasItsOwnConfigurableAction() {
        GuardPolicy policy = GuardPolicy.builder()
                .input(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE).withOnIncomplete(GuardAction.ALLOW)
                        .withOnFailure(GuardAction.ALLOW).withRewriteMessage("Please decline."))
                .output(RailPolicy.outputDefaults().withOnHarmful(GuardAction.REPROMPT).withOnFailure(GuardAction.BLOCK))
                .build();

        assertThat(policy.decide(Rail.INPUT, Verdict.of(Harm.HARMFUL, null, null))).isEqualTo(Decision.rewrite("Please decline."));
        assertThat(policy.decide(Rail.INPUT, Verdict.empty(""))).isEqualTo(Decision.allow());
        assertThat(policy.onFailure(Rail.INPUT, GuardFailure.of(GuardFailure.Kind.TIMEOUT, "slow"))).isEqualTo(Decision.allow());
        assertThat(policy.decide(Rail.OUTPUT, Verdict.of(null, null, Harm.HARMFUL)))
                .isEqualTo(Decision.reprompt(RailPolicy.DEFAULT_REPROMPT_GUIDANCE));
        assertThat(policy.onFailure(Rail.OUTPUT, GuardFailure.of(GuardFailure.Kind.OVERLOADED, "busy")))
                .isInstanceOf(Decision.Block.class);
    }

    @Test
    void repromptsAnOverRefusalWhenAskedTo() {
        Verdict overRefusal = Verdict.of(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
        GuardPolicy policy = GuardPolicy.builder().output(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();

        assertThat(defaults.decide(Rail.OUTPUT, overRefusal)).isEqualTo(Decision.allow());
        assertThat(policy.decide(Rail.OUTPUT, overRefusal)).isEqualTo(Decision.reprompt(RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE));
        assertThat(policy.decide(Rail.OUTPUT, Verdict.of(Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL)))
                .as("refusing a harmful request is right").isEqualTo(Decision.allow());
    }

    @Test
    void canTreatIncompleteOrInconsistentVerdictsAsIncomplete() {
        Verdict partial = new Verdict(java.util.Optional.of(Harm.UNHARMFUL), java.util.Optional.empty(),
                java.util.Optional.empty(), false, false, Verdict.Reasoning.NONE, "");
        GuardPolicy strict = GuardPolicy.builder()
                .input(RailPolicy.inputDefaults().withRequireComplete(true)).build();
        GuardPolicy consistent = GuardPolicy.builder()
                .input(RailPolicy.inputDefaults().withRequireConsistent(true)).build();

        assertThat(defaults.decide(Rail.INPUT, partial)).isEqualTo(Decision.allow());
        assertThat(strict.decide(Rail.INPUT, partial)).isInstanceOfSatisfying(Decision.Block.class,
                b -> assertThat(b.reason()).contains("incomplete"));
        assertThat(consistent.decide(Rail.INPUT, partial)).isInstanceOf(Decision.Block.class);
    }

    @Test
    void theInputRailCannotReprompt() {
        assertThatThrownBy(() -> GuardPolicy.builder().input(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REPROMPT)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input rail cannot reprompt");
        assertThatThrownBy(() -> GuardPolicy.builder().input(RailPolicy.inputDefaults().withRepromptOverRefusal(true)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output rail only");
        assertThatThrownBy(() -> GuardAction.parse("explode"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow, block, rewrite, reprompt");
    }
}
