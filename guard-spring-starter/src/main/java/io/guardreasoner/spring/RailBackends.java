package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Rail;
import org.springframework.beans.factory.ObjectProvider;

import java.util.List;
import java.util.Objects;

/**
 * The backend that judges each rail: the application's {@link GuardBackend} bean, or a rail's own one when
 * {@code guardreasoner.<rail>.backend} or its settings differ. Closes the rails' own backends, not the bean.
 */
final class RailBackends implements AutoCloseable {

    private final GuardBackend input;
    private final GuardBackend output;
    private final List<GuardBackend> own;

    RailBackends(GuardBackend input, GuardBackend output, List<GuardBackend> own) {
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.own = List.copyOf(own);
    }

    /** Both rails on one backend that someone else closes. */
    static RailBackends both(GuardBackend backend) {
        return new RailBackends(backend, backend, List.of());
    }

    /** The context's rail backends, or {@code backend} on both rails where the backend configuration is not loaded. */
    static RailBackends of(ObjectProvider<RailBackends> rails, GuardBackend backend) {
        return rails.getIfAvailable(() -> both(backend));
    }

    GuardBackend input() {
        return input;
    }

    GuardBackend output() {
        return output;
    }

    GuardBackend of(Rail rail) {
        return rail == Rail.INPUT ? input : output;
    }

    /** True when one backend judges both rails. */
    boolean shared() {
        return input == output;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (GuardBackend backend : own) {
            try {
                backend.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "RailBackends[input=" + input.name() + " " + input.modelId() + ", output=" + output.name() + " "
                + output.modelId() + "]";
    }
}
