package io.guardreasoner.test.bench;

import io.guardreasoner.core.GuardBackend;

import java.util.OptionalLong;

/**
 * A backend under benchmark, with what only a benchmark asks of it. Each backend artifact builds its own in its
 * {@code bench} jar (sources in {@code src/bench/java}), where it may reach the backend's package-private switches,
 * such as generating through end-of-text so that random weights write a verdict's real length.
 */
public interface BenchBackend extends AutoCloseable {

    /** The backend a {@code Guard} runs on. */
    GuardBackend backend();

    /** Tokens the model reads for {@code text}, {@code <|begin_of_text|>} included. */
    int countTokens(String text);

    /** One line on how the backend runs: weights, kernels, threads, caches. */
    String setup();

    /** Weight bytes one decode step reads, for the memory-bandwidth bound. */
    long weightBytesPerToken();

    /** Tokens of the instruction whose KV state is kept across checks; 0 when none is. */
    int cachedPrefixTokens();

    /**
     * Prompt tokens the backend has computed so far rather than taken from its KV/prompt cache, when it can tell: the
     * difference over a check is the prompt work its caches and prefill did not save. Checks count; prefills count
     * where the backend counts them (Jlama does, llama.cpp does not). Empty by default.
     */
    default OptionalLong promptPositionsComputed() {
        return OptionalLong.empty();
    }

    @Override
    void close();
}
