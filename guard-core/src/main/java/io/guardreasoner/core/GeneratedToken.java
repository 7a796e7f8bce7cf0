package io.guardreasoner.core;

import java.util.List;
import java.util.Objects;

/**
 * One token a backend generated, with its log-probability and the most likely alternatives at its position, for
 * backends that report them ({@link GenerationOptions#topLogprobs()} above 0).
 *
 * @param text    the token's text as the model wrote it (may be part of a character, or empty for a special token)
 * @param logprob the natural log of the probability the model gave this token
 * @param top     the most likely tokens at this position, most likely first; the generated one among them when it
 *                ranks high enough
 */
public record GeneratedToken(String text, double logprob, List<Alternative> top) {

    public GeneratedToken {
        Objects.requireNonNull(text, "text");
        top = List.copyOf(Objects.requireNonNull(top, "top"));
    }

    /** The probability the model gave this token. */
    public double probability() {
        return Math.exp(logprob);
    }

    /** A token the model could have written at this position, and its log-probability. */
    public record Alternative(String text, double logprob) {
        public Alternative {
            Objects.requireNonNull(text, "text");
        }

        /** Its probability. */
        public double probability() {
            return Math.exp(logprob);
        }
    }
}
