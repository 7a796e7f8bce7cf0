package io.guardreasoner.spring;

/** A {@code guardreasoner.*} property has a value the guard cannot work with; names the property and the fix. */
public class InvalidGuardReasonerPropertyException extends IllegalArgumentException {

    private final String property;
    private final String value;
    private final String reason;

    public InvalidGuardReasonerPropertyException(String property, Object value, String reason) {
        super(property + "=" + value + ": " + reason);
        this.property = property;
        this.value = String.valueOf(value);
        this.reason = reason;
    }

    /** The full property name, e.g. {@code guardreasoner.input.on-harmful}. */
    public String property() {
        return property;
    }

    /** The value as configured. */
    public String value() {
        return value;
    }

    /** Why the value is wrong and what to do instead. */
    public String reason() {
        return reason;
    }

    /** The same problem, named under another prefix: a setting checked again where it was merged in. */
    InvalidGuardReasonerPropertyException under(String prefix, String replacement) {
        if (!property.startsWith(prefix)) return this;
        InvalidGuardReasonerPropertyException renamed = new InvalidGuardReasonerPropertyException(
                replacement + property.substring(prefix.length()), value, reason);
        renamed.setStackTrace(getStackTrace());
        return renamed;
    }
}
