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
