package io.guardreasoner.spring;

import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A backend that is built the first time it is needed, so that an application starts before a large model loads.
 *
 * <p>A failed load is not remembered: the check fails (and the policy's on-failure action applies), and the next
 * check tries again, so a model that appears later is picked up without a restart.
 */
final class LazyGuardBackend implements GuardBackend {

    private final String name;
    private final String modelId;
    private final Supplier<? extends GuardBackend> loader;
    private volatile GuardBackend loaded;
    private volatile String lastError;
    private boolean closed;

    LazyGuardBackend(String name, String modelId, Supplier<? extends GuardBackend> loader) {
        this.name = Objects.requireNonNull(name, "name");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    /** Builds the backend now, if it is not built yet. Throws when it cannot be built. */
    public GuardBackend load() {
        GuardBackend backend = loaded;
        if (backend != null) return backend;
        synchronized (this) {
            if (closed) throw new GuardBackendException("the " + name + " backend is closed");
            if (loaded == null) {
                try {
                    loaded = Objects.requireNonNull(loader.get(), "the backend loader returned null");
                    lastError = null;
                } catch (RuntimeException e) {
                    lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    throw e instanceof GuardBackendException g ? g
                            : new GuardBackendException("could not load the " + name + " backend for " + modelId + ": " + lastError, e);
                }
            }
            return loaded;
        }
    }

    /** True once the backend has been built. */
    public boolean isLoaded() {
        return loaded != null;
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        return load().generate(prompt, options);
    }

    @Override
    public Generation resume(String prompt, Generation stopped, GenerationOptions options) {
        return load().resume(prompt, stopped, options);
    }

    /** Prefills the loaded backend; before the first check there is nothing loaded to prefill, and no load starts. */
    @Override
    public void prefill(String promptPrefix) {
        GuardBackend backend = loaded;
        if (backend != null) backend.prefill(promptPrefix);
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String name() {
        return name;
    }

    /** The loaded backend's health; before the first check, up with a note that the model is not loaded yet. */
    @Override
    public Health health() {
        GuardBackend backend = loaded;
        if (backend != null) return backend.health();
        String error = lastError;
        return error == null ? Health.up("not loaded yet; loads at the first check")
                : Health.down("last load failed: " + error);
    }

    /** Closes the loaded backend once; the guard and the application context may both ask. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        GuardBackend backend = loaded;
        loaded = null;
        if (backend != null) backend.close();
    }

    @Override
    public String toString() {
        return "LazyGuardBackend[" + name + ", " + modelId + (isLoaded() ? ", loaded]" : "]");
    }
}
