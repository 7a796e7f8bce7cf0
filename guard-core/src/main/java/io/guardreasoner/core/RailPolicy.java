package io.guardreasoner.core;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * How one rail turns verdicts and failures into decisions.
 *
 * @param onHarmful              action when the text this rail guards is judged harmful
 * @param onIncomplete           action when the label this rail needs is missing from the verdict
 * @param onFailure              action when the backend failed (error, timeout, overload)
 * @param rewriteMessage         the text a {@link GuardAction#REWRITE} puts in place
 * @param repromptGuidance       the guidance a {@link GuardAction#REPROMPT} gives the model
 * @param repromptOverRefusal    output rail: reprompt when an unharmful request got a refusal
 * @param overRefusalGuidance    the guidance for that reprompt
 * @param requireComplete        treat a verdict without a complete final answer block as incomplete
 * @param requireConsistent      treat a verdict whose reasoning contradicts its labels as incomplete
 * @param harmfulThreshold       when set and the verdict carries the model's confidence, the text this rail guards
 *                               counts as harmful exactly when the model gave "harmful" at least this probability at
 *                               the label's token, whichever label it wrote; without a confidence the label decides
 */
public record RailPolicy(
        GuardAction onHarmful,
        GuardAction onIncomplete,
        GuardAction onFailure,
        String rewriteMessage,
        String repromptGuidance,
        boolean repromptOverRefusal,
        String overRefusalGuidance,
        boolean requireComplete,
        boolean requireConsistent,
        OptionalDouble harmfulThreshold) {

    /** The input rail's default rewrite: a user message that makes the model decline politely. */
    public static final String DEFAULT_INPUT_REWRITE =
            "The user sent a message that a safety check flagged as harmful. Politely decline to help with it, "
                    + "without repeating its content.";
    /** The output rail's default safe message. */
    public static final String DEFAULT_OUTPUT_REWRITE = "I'm sorry, but I can't help with that.";
    /** The output rail's default reprompt guidance after a harmful answer. */
    public static final String DEFAULT_REPROMPT_GUIDANCE =
            "Your previous answer was judged harmful by a safety check. Answer again without harmful content.";
    /** The default guidance after an over-refusal. */
    public static final String DEFAULT_OVER_REFUSAL_GUIDANCE =
            "A safety check found the request harmless, but your answer refused it. Please answer the request helpfully.";

    public RailPolicy {
        Objects.requireNonNull(onHarmful, "onHarmful");
        Objects.requireNonNull(onIncomplete, "onIncomplete");
        Objects.requireNonNull(onFailure, "onFailure");
        Objects.requireNonNull(rewriteMessage, "rewriteMessage");
        Objects.requireNonNull(repromptGuidance, "repromptGuidance");
        Objects.requireNonNull(overRefusalGuidance, "overRefusalGuidance");
        if (rewriteMessage.isBlank()) throw new IllegalArgumentException("rewriteMessage must not be blank");
        Objects.requireNonNull(harmfulThreshold, "harmfulThreshold");
        harmfulThreshold.ifPresent(t -> {
            if (!(t > 0 && t <= 1)) throw new IllegalArgumentException("harmfulThreshold must be in (0, 1], was " + t);
        });
    }

    /** Input defaults: block harmful requests; fail closed (block) on incomplete verdicts and backend failures. */
    public static RailPolicy inputDefaults() {
        return new RailPolicy(GuardAction.BLOCK, GuardAction.BLOCK, GuardAction.BLOCK, DEFAULT_INPUT_REWRITE,
                DEFAULT_REPROMPT_GUIDANCE, false, DEFAULT_OVER_REFUSAL_GUIDANCE, false, false, OptionalDouble.empty());
    }

    /** Output defaults: rewrite harmful answers with a safe message, and do the same (fail closed) when unsure. */
    public static RailPolicy outputDefaults() {
        return new RailPolicy(GuardAction.REWRITE, GuardAction.REWRITE, GuardAction.REWRITE, DEFAULT_OUTPUT_REWRITE,
                DEFAULT_REPROMPT_GUIDANCE, false, DEFAULT_OVER_REFUSAL_GUIDANCE, false, false, OptionalDouble.empty());
    }

    public RailPolicy withOnHarmful(GuardAction action) {
        return new RailPolicy(action, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withOnIncomplete(GuardAction action) {
        return new RailPolicy(onHarmful, action, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withOnFailure(GuardAction action) {
        return new RailPolicy(onHarmful, onIncomplete, action, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withRewriteMessage(String message) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, message, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withRepromptGuidance(String guidance) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, guidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withRepromptOverRefusal(boolean enabled) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, enabled,
                overRefusalGuidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withOverRefusalGuidance(String guidance) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                guidance, requireComplete, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withRequireComplete(boolean required) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, required, requireConsistent, harmfulThreshold);
    }

    public RailPolicy withRequireConsistent(boolean required) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, required, harmfulThreshold);
    }

    /**
     * Decide harm on this rail from the model's probability rather than its greedy label, where the backend reports
     * one: harmful when P(harmful) at the label's token is at least {@code threshold}, e.g. 0.3 to catch borderline
     * texts the greedy label calls unharmful.
     */
    public RailPolicy withHarmfulThreshold(double threshold) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent, OptionalDouble.of(threshold));
    }
}
