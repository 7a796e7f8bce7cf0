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
 * @param topLogprobs   how many most likely tokens to report at each generated position ({@link Generation#tokens()});
 *                      0 asks for none. A backend that cannot report them returns no tokens.
 */
public record GenerationOptions(int maxTokens, List<String> stopSequences, Optional<Instant> deadline, int topLogprobs) {

    /** Enough for GuardReasoner's three tasks with room to spare; its outputs run ~260 tokens. */
    public static final int DEFAULT_MAX_TOKENS = 1024;

    public GenerationOptions {
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
        stopSequences = List.copyOf(Objects.requireNonNull(stopSequences, "stopSequences"));
        Objects.requireNonNull(deadline, "deadline");
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("topLogprobs must be 0.." + MAX_TOP_LOGPROBS + ", was " + topLogprobs);
        }
    }

    /** The most alternatives per position a caller may ask for (OpenAI's completions API allows 5). */
    public static final int MAX_TOP_LOGPROBS = 20;

    /** Options with the given token limit, no stop sequence, no deadline and no token probabilities. */
    public static GenerationOptions maxTokens(int maxTokens) {
        return new GenerationOptions(maxTokens, List.of(), Optional.empty(), 0);
    }

    /** These options with another token limit. */
    public GenerationOptions withMaxTokens(int maxTokens) {
        return new GenerationOptions(maxTokens, stopSequences, deadline, topLogprobs);
    }

    /** These options with other stop sequences. */
    public GenerationOptions withStopSequences(List<String> stops) {
        return new GenerationOptions(maxTokens, stops, deadline, topLogprobs);
    }

    /** These options with a deadline. */
    public GenerationOptions withDeadline(Instant deadline) {
        return new GenerationOptions(maxTokens, stopSequences, Optional.of(deadline), topLogprobs);
    }

    /** These options asking for each generated token's probability and its {@code k} likeliest alternatives. */
    public GenerationOptions withTopLogprobs(int k) {
        return new GenerationOptions(maxTokens, stopSequences, deadline, k);
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
