package io.guardreasoner.core;

import java.util.Objects;
import java.util.Optional;

/**
 * Why the guard could not reach a verdict from the model.
 *
 * @param kind    what went wrong
 * @param message a sentence fit for a log or a JSON {@code error} field
 * @param cause   the underlying exception, when there is one
 */
public record GuardFailure(Kind kind, String message, Optional<Throwable> cause) {

    public GuardFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(cause, "cause");
    }

    public static GuardFailure of(Kind kind, String message) {
        return new GuardFailure(kind, message, Optional.empty());
    }

    public static GuardFailure of(Kind kind, String message, Throwable cause) {
        return new GuardFailure(kind, message, Optional.ofNullable(cause));
    }

    /** What kind of failure it was. */
    public enum Kind {
        /** The backend threw: server down, HTTP error, bad reply, model not loadable. */
        BACKEND_ERROR,
        /** No answer before the guard's timeout. */
        TIMEOUT,
        /** Too many assessments waiting already; this one was not started. */
        OVERLOADED,
        /** The calling thread was interrupted while waiting. */
        INTERRUPTED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
