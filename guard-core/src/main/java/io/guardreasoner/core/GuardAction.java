package io.guardreasoner.core;

import java.util.Locale;

/** What a {@link RailPolicy} does in a given situation; it becomes a {@link Decision}. */
public enum GuardAction {
    /** Let the turn through (fail open, when used for failures). */
    ALLOW,
    /** Veto the turn. */
    BLOCK,
    /** Replace the text with the rail's rewrite message. */
    REWRITE,
    /** Ask the model again with the rail's reprompt guidance (output rail only). */
    REPROMPT;

    /** Reads {@code allow|block|rewrite|reprompt} in any case, with an error that lists the choices. */
    public static GuardAction parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown guard action '" + text + "'; use one of allow, block, rewrite, reprompt");
        }
    }
}
