package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;

/** Makes one kind of backend from the starter's properties; one bean per backend artifact on the class path. */
interface GuardBackendFactory {

    /** The kind this factory makes. */
    GuardReasonerProperties.BackendType type();

    /**
     * A new backend from {@code settings} (the global ones, or one rail's); nothing heavy (model loading, connecting)
     * needs to happen yet.
     */
    GuardBackend create(BackendSettings settings);
}
