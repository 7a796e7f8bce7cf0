package io.guardreasoner.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How much a backend may generate and when it must stop.
 *
 * @param maxTokens     the most tokens to generate, at least 1
 * @param stopSequences texts that end generation as soon as they appear; the stop text itself is not returned
 * @param deadline      when the caller stops waiting; backends should give up by then
 */
public record GenerationOptions(int maxTokens, List<String> stopSequences, Optional<Instant> deadline) {

    /** Enough for GuardReasoner's three tasks with room to spare; its outputs run ~260 tokens. */
    public static final int DEFAULT_MAX_TOKENS = 1024;

    public GenerationOptions {
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
        stopSequences = List.copyOf(Objects.requireNonNull(stopSequences, "stopSequences"));
        Objects.requireNonNull(deadline, "deadline");
    }

    /** Options with the given token limit, no stop sequence and no deadline. */
    public static GenerationOptions maxTokens(int maxTokens) {
        return new GenerationOptions(maxTokens, List.of(), Optional.empty());
    }

    /** These options with other stop sequences. */
    public GenerationOptions withStopSequences(List<String> stops) {
        return new GenerationOptions(maxTokens, stops, deadline);
    }

    /** These options with a deadline. */
    public GenerationOptions withDeadline(Instant deadline) {
        return new GenerationOptions(maxTokens, stopSequences, Optional.of(deadline));
    }

    /** Time left until the deadline, or {@code fallback} when there is none; never negative. */
    public Duration remaining(Duration fallback) {
        return deadline.map(d -> {
            Duration left = Duration.between(Instant.now(), d);
            return left.isNegative() ? Duration.ZERO : left;
        }).orElse(fallback);
    }

    /** True once the deadline has passed. */
    public boolean expired() {
        return deadline.map(d -> !Instant.now().isBefore(d)).orElse(false);
    }
}
