package io.guardreasoner.core;

import io.guardreasoner.core.internal.Exceptions;

import java.util.Objects;

/**
 * A {@link GuardBackend} that asks a primary backend and, when it fails, a fallback: e.g. LocalAI on a GPU first,
 * in-process Jlama when every LocalAI server is down. When both fail, the error names both failures and the guard's
 * failure policy decides.
 *
 * <pre>{@code
 * GuardBackend backend = FallbackBackend.of(localAi, jlama);
 * }</pre>
 */
public final class FallbackBackend implements GuardBackend {

    private final GuardBackend primary;
    private final GuardBackend fallback;

    private FallbackBackend(GuardBackend primary, GuardBackend fallback) {
        this.primary = Objects.requireNonNull(primary, "primary");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
    }

    /** Tries {@code primary}, then {@code fallback}. */
    public static FallbackBackend of(GuardBackend primary, GuardBackend fallback) {
        return new FallbackBackend(primary, fallback);
    }

    /**
     * Returns the primary's generation; on any failure of the primary, the fallback's, unless the deadline has
     * passed or the thread was interrupted.
     */
    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        return firstThatAnswers(options, b -> b.generate(prompt, options));
    }

    /**
     * The primary continues its own stopped generation (which keeps its state in-process); when it fails, the
     * fallback continues from the text.
     */
    @Override
    public Generation resume(String prompt, Generation stopped, GenerationOptions options) {
        return firstThatAnswers(options, b -> b.resume(prompt, stopped, options));
    }

    /** Prefills the primary, which serves the checks while it works. */
    @Override
    public void prefill(String promptPrefix) {
        primary.prefill(promptPrefix);
    }

    private Generation firstThatAnswers(GenerationOptions options, java.util.function.Function<GuardBackend, Generation> call) {
        RuntimeException first;
        try {
            return call.apply(primary);
        } catch (RuntimeException e) {
            first = e;
        }
        String primaryFailure = primary.name() + " failed: " + Exceptions.describe(first);
        if (Thread.currentThread().isInterrupted()) {
            throw new GuardBackendException(primaryFailure + "; fallback " + fallback.name()
                    + " not tried: interrupted", first);
        }
        if (options.expired()) {
            throw new GuardBackendException(primaryFailure + "; fallback " + fallback.name()
                    + " not tried: the deadline has passed", first);
        }
        try {
            return call.apply(fallback);
        } catch (RuntimeException second) {
            GuardBackendException both = new GuardBackendException(primaryFailure + "; then fallback "
                    + fallback.name() + " failed: " + Exceptions.describe(second), second);
            both.addSuppressed(first);
            throw both;
        }
    }

    /** The primary's model id when both serve the same model, else both ids, so the cache never mixes them up. */
    @Override
    public String modelId() {
        String a = primary.modelId();
        String b = fallback.modelId();
        return a.equals(b) ? a : a + "|" + b;
    }

    @Override
    public String name() {
        return primary.name() + "+" + fallback.name();
    }

    /** Up when either backend is up; the detail gives both. */
    @Override
    public Health health() {
        Health a = safeHealth(primary);
        Health b = safeHealth(fallback);
        return new Health(a.up() || b.up(), "primary " + primary.name() + ": " + (a.up() ? "up" : "down") + " ("
                + a.detail() + "); fallback " + fallback.name() + ": " + (b.up() ? "up" : "down") + " (" + b.detail() + ")");
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            fallback.close();
        }
    }

    /** The backend asked first. */
    public GuardBackend primary() {
        return primary;
    }

    /** The backend asked when the primary fails. */
    public GuardBackend fallback() {
        return fallback;
    }

    private static Health safeHealth(GuardBackend backend) {
        try {
            return backend.health();
        } catch (RuntimeException e) {
            return Health.down("health check threw " + Exceptions.describe(e));
        }
    }
}
