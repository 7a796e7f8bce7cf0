package io.guardreasoner.core.internal;

import io.guardreasoner.core.GuardBackendException;

/** How failures are put into words across the library: one line, fit for a log or an error field. */
public final class Exceptions {

    private Exceptions() {
    }

    /**
     * One line about {@code error}: its message (with its class name in front, unless it is a
     * {@link GuardBackendException}, whose messages are written for users), and its root cause when that adds
     * something, e.g. {@code UncheckedIOException: cannot read x (NoSuchFileException: /m/x)}.
     */
    public static String describe(Throwable error) {
        String own = error.getMessage();
        String message;
        if (own == null || own.isBlank()) message = error.getClass().getSimpleName();
        else if (error instanceof GuardBackendException) message = own;
        else message = error.getClass().getSimpleName() + ": " + own;
        Throwable root = rootCause(error);
        if (root != error && root.getMessage() != null && !root.getMessage().isBlank()
                && !message.contains(root.getMessage())) {
            message += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return message;
    }

    /** The innermost cause of {@code error} (itself when it has none). */
    public static Throwable rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root;
    }

    /** The first throwable of {@code type} in {@code error}'s cause chain, or null. */
    public static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }
}
