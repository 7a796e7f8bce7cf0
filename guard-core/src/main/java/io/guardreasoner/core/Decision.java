package io.guardreasoner.core;

import java.util.Objects;

/** What to do with a guarded turn. Made by a {@link GuardPolicy}, carried out by a guardrail. */
public sealed interface Decision permits Decision.Allow, Decision.Block, Decision.Rewrite, Decision.Reprompt {

    /** Lower-case kind, as used in JSON and metrics: {@code allow|block|rewrite|reprompt}. */
    String kind();

    /** True for every decision that keeps the original text from passing unchanged. */
    default boolean intervenes() {
        return !(this instanceof Allow);
    }

    /** Let the turn pass unchanged. */
    static Decision allow() {
        return Allow.INSTANCE;
    }

    /** Veto the turn. */
    static Decision block(String reason) {
        return new Block(reason);
    }

    /** Replace the text with another one (a safe message, or a rewritten request). */
    static Decision rewrite(String text) {
        return new Rewrite(text);
    }

    /** Ask the model to answer again, with guidance. Only meaningful on the output rail. */
    static Decision reprompt(String guidance) {
        return new Reprompt(guidance);
    }

    /** The turn passes unchanged. */
    record Allow() implements Decision {
        static final Allow INSTANCE = new Allow();

        @Override
        public String kind() {
            return "allow";
        }
    }

    /** The turn is vetoed; {@code reason} says why, in words fit for a log or an exception message. */
    record Block(String reason) implements Decision {
        public Block {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String kind() {
            return "block";
        }
    }

    /** The text is replaced by {@code text}. */
    record Rewrite(String text) implements Decision {
        public Rewrite {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String kind() {
            return "rewrite";
        }
    }

    /** The model is asked again, with {@code guidance} appended to the conversation. */
    record Reprompt(String guidance) implements Decision {
        public Reprompt {
            Objects.requireNonNull(guidance, "guidance");
        }

        @Override
        public String kind() {
            return "reprompt";
        }
    }
}
