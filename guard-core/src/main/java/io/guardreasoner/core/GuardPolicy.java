package io.guardreasoner.core;

import java.util.Objects;

/**
 * Decides what happens to a turn, from the model's verdict or from the failure that prevented one.
 *
 * <p>The standard policy is configured per rail with a {@link RailPolicy}; implement this interface for rules it
 * cannot express.
 */
public interface GuardPolicy {

    /** The decision for a verdict the model gave on this rail. */
    Decision decide(Rail rail, Verdict verdict);

    /** The decision when no verdict could be had. */
    Decision onFailure(Rail rail, GuardFailure failure);

    /**
     * Whether this policy's decisions are carried out. False for {@link #observeOnly}: every turn then passes
     * unchanged, and each assessment still names the decision that would have been taken.
     */
    default boolean enforces() {
        return true;
    }

    /**
     * Whether a verdict on this rail must hold the model's complete final answer block to count; the output rail's
     * early stop, which ends before that block, is off then. Default false.
     */
    default boolean needsCompleteVerdict(Rail rail) {
        return false;
    }

    /**
     * Whether decisions on this rail read the request and completion labels too, besides the label of the text the
     * rail guards (e.g. to reprompt an over-refusal); an early-stopped check then goes on until it has them.
     * Default false.
     */
    default boolean readsAllLabels(Rail rail) {
        return false;
    }

    /**
     * Shadow mode: the same decisions as {@code policy}, not enforced. Use it to watch a guard on live traffic before
     * it acts: assessments, the audit log and the metrics carry each would-be decision with {@code enforced=false}.
     */
    static GuardPolicy observeOnly(GuardPolicy policy) {
        java.util.Objects.requireNonNull(policy, "policy");
        return new GuardPolicy() {
            @Override
            public Decision decide(Rail rail, Verdict verdict) {
                return policy.decide(rail, verdict);
            }

            @Override
            public Decision onFailure(Rail rail, GuardFailure failure) {
                return policy.onFailure(rail, failure);
            }

            @Override
            public boolean enforces() {
                return false;
            }

            @Override
            public boolean needsCompleteVerdict(Rail rail) {
                return policy.needsCompleteVerdict(rail);
            }

            @Override
            public boolean readsAllLabels(Rail rail) {
                return policy.readsAllLabels(rail);
            }

            @Override
            public String toString() {
                return "observeOnly(" + policy + ")";
            }
        };
    }

    /** The standard policy with {@link RailPolicy#inputDefaults()} and {@link RailPolicy#outputDefaults()}. */
    static GuardPolicy defaults() {
        return builder().build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** Builds the standard policy. */
    final class Builder {
        private RailPolicy input = RailPolicy.inputDefaults();
        private RailPolicy output = RailPolicy.outputDefaults();

        private Builder() {
        }

        /** The input rail's rules. {@link GuardAction#REPROMPT} is refused: there is no answer yet to redo. */
        public Builder input(RailPolicy input) {
            this.input = Objects.requireNonNull(input, "input");
            return this;
        }

        /** The output rail's rules. */
        public Builder output(RailPolicy output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        public GuardPolicy build() {
            for (GuardAction action : new GuardAction[] {input.onHarmful(), input.onIncomplete(), input.onFailure()}) {
                if (action == GuardAction.REPROMPT) {
                    throw new IllegalArgumentException(
                            "the input rail cannot reprompt: there is no model answer yet; use block, rewrite or allow");
                }
            }
            if (input.repromptOverRefusal()) {
                throw new IllegalArgumentException("repromptOverRefusal applies to the output rail only");
            }
            return new StandardGuardPolicy(input, output);
        }
    }
}
