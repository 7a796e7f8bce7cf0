package io.guardreasoner.core;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a backend's {@link GuardBackend#prefill} on one background thread, only ever for the latest prompt prefix:
 * while the backend works, newer prefixes replace older ones that have not started yet.
 */
final class Prefiller implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Prefiller.class.getName());

    private final GuardBackend backend;
    private final AtomicReference<String> latest = new AtomicReference<>();
    private final Object lock = new Object();
    private Thread worker;
    private boolean closed;

    Prefiller(GuardBackend backend) {
        this.backend = backend;
    }

    /** Asks for {@code prefix} to be prefilled once the backend is free; returns at once. */
    void offer(String prefix) {
        latest.set(prefix);
        synchronized (lock) {
            if (closed || worker != null) return;
            worker = Thread.ofPlatform().daemon().name("guardreasoner-prefill").start(this::drain);
        }
    }

    private void drain() {
        while (true) {
            String prefix = latest.getAndSet(null);
            if (prefix == null) {
                synchronized (lock) {
                    if (latest.get() == null || closed) {
                        worker = null;
                        return;
                    }
                }
                continue;
            }
            try {
                backend.prefill(prefix);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "prefill failed; the check will compute it itself: {0}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            latest.set(null);
        }
    }
}
