package io.guardreasoner.core;

/** Which side of a turn is being guarded: the user's request, or the model's answer to it. */
public enum Rail {
    /** Before the model runs: the request is judged alone, with the response {@code None}. */
    INPUT,
    /** After the model runs: the request and the model's answer are judged together. */
    OUTPUT;

    /** Lower-case name, as used in properties, metrics and JSON. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
