package io.guardreasoner.core.internal;

import java.time.Duration;

/** Argument checks for the durations that builders across the library take. */
public final class Durations {

    private Durations() {
    }

    /** Returns {@code duration} when it is longer than zero; otherwise throws, naming the setting. */
    public static Duration requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + duration);
        }
        return duration;
    }
}
