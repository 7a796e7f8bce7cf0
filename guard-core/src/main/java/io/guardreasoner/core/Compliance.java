package io.guardreasoner.core;

import java.util.Locale;
import java.util.Optional;

/** GuardReasoner's label for what the AI assistant did: refuse, or comply. */
public enum Compliance implements Label {
    REFUSAL,
    COMPLIANCE;

    @Override
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a label in any case; anything else, {@code None} included, is empty. */
    public static Optional<Compliance> fromLabel(String text) {
        if (text == null) return Optional.empty();
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "refusal" -> Optional.of(REFUSAL);
            case "compliance" -> Optional.of(COMPLIANCE);
            default -> Optional.empty();
        };
    }
}
