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
