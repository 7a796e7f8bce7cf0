package io.guardreasoner.core;

/**
 * The one service-provider interface: something that continues a raw text prompt with GuardReasoner.
 *
 * <p>Implementations decode greedily, apply no chat template, and honour the options' token limit, stop sequences
 * and deadline. They are safe for concurrent callers. Any failure is reported as a {@link GuardBackendException};
 * the {@link Guard} turns it into the policy's failure decision.
 */
public interface GuardBackend extends AutoCloseable {

    /** Generates a continuation of {@code prompt}. */
    Generation generate(String prompt, GenerationOptions options) throws GuardBackendException;

    /**
     * Continues a generation that a stop sequence ended, as if that stop sequence had not been asked for: the
     * result is {@code stopped} followed by what the model writes next, within {@code options} (whose
     * {@code maxTokens} counts the new tokens only).
     *
     * <p>The default asks for a new completion of {@code prompt + stopped.written()}, which an OpenAI-compatible
     * server with a prompt cache answers cheaply. In-process backends keep the sequence's state and go on from it, so
     * that the text equals a single full generation token for token.
     */
    default Generation resume(String prompt, Generation stopped, GenerationOptions options) throws GuardBackendException {
        return stopped.followedBy(generate(prompt + stopped.written(), options));
    }

    /**
     * Hints that a prompt starting with {@code promptPrefix} will follow soon (an answer still streaming in), so that
     * the backend may compute what it can of it now. Never changes what a later {@link #generate} returns. The default
     * does nothing; in-process backends prefill their KV state. Never throws for backend trouble: a failed prefill only
     * means no head start.
     */
    default void prefill(String promptPrefix) {
    }

    /** Identifies the model behind this backend, e.g. {@code yueliu1999/GuardReasoner-3B}; part of the cache key. */
    String modelId();

    /** A short name for metrics and logs, e.g. {@code jlama} or {@code localai}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Checks that the backend can serve now (model loaded, server reachable). Never throws. */
    default Health health() {
        return Health.up("no health check");
    }

    /** Releases models, files and connections. */
    @Override
    default void close() {
    }

    /** The result of a {@link #health()} check. */
    record Health(boolean up, String detail) {
        public static Health up(String detail) {
            return new Health(true, detail);
        }

        public static Health down(String detail) {
            return new Health(false, detail);
        }
    }
}
