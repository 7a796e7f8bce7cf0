package io.guardreasoner.core;

/** A backend could not produce a generation: server down, model missing, bad reply, deadline passed. */
public class GuardBackendException extends RuntimeException {

    public GuardBackendException(String message) {
        super(message);
    }

    public GuardBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
