package io.guardreasoner.core;

import java.util.Objects;

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
        boolean requireConsistent) {

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
    }

    /** Input defaults: block harmful requests; fail closed (block) on incomplete verdicts and backend failures. */
    public static RailPolicy inputDefaults() {
        return new RailPolicy(GuardAction.BLOCK, GuardAction.BLOCK, GuardAction.BLOCK, DEFAULT_INPUT_REWRITE,
                DEFAULT_REPROMPT_GUIDANCE, false, DEFAULT_OVER_REFUSAL_GUIDANCE, false, false);
    }

    /** Output defaults: rewrite harmful answers with a safe message, and do the same (fail closed) when unsure. */
    public static RailPolicy outputDefaults() {
        return new RailPolicy(GuardAction.REWRITE, GuardAction.REWRITE, GuardAction.REWRITE, DEFAULT_OUTPUT_REWRITE,
                DEFAULT_REPROMPT_GUIDANCE, false, DEFAULT_OVER_REFUSAL_GUIDANCE, false, false);
    }

    public RailPolicy withOnHarmful(GuardAction action) {
        return new RailPolicy(action, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent);
    }

    public RailPolicy withOnIncomplete(GuardAction action) {
        return new RailPolicy(onHarmful, action, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent);
    }

    public RailPolicy withOnFailure(GuardAction action) {
        return new RailPolicy(onHarmful, onIncomplete, action, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent);
    }

    public RailPolicy withRewriteMessage(String message) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, message, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent);
    }

    public RailPolicy withRepromptGuidance(String guidance) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, guidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, requireConsistent);
    }

    public RailPolicy withRepromptOverRefusal(boolean enabled) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, enabled,
                overRefusalGuidance, requireComplete, requireConsistent);
    }

    public RailPolicy withOverRefusalGuidance(String guidance) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                guidance, requireComplete, requireConsistent);
    }

    public RailPolicy withRequireComplete(boolean required) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, required, requireConsistent);
    }

    public RailPolicy withRequireConsistent(boolean required) {
        return new RailPolicy(onHarmful, onIncomplete, onFailure, rewriteMessage, repromptGuidance, repromptOverRefusal,
                overRefusalGuidance, requireComplete, required);
    }
}
