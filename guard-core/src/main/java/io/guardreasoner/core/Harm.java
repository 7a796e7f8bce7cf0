package io.guardreasoner.core;

import java.util.Locale;
import java.util.Optional;

/** GuardReasoner's label for a request or a response: harmful or unharmful. */
public enum Harm implements Label {
    HARMFUL,
    UNHARMFUL;

    @Override
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a label in any case; anything else, {@code None} included, is empty. */
    public static Optional<Harm> fromLabel(String text) {
        if (text == null) return Optional.empty();
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "harmful" -> Optional.of(HARMFUL);
            case "unharmful" -> Optional.of(UNHARMFUL);
            default -> Optional.empty();
        };
    }
}
