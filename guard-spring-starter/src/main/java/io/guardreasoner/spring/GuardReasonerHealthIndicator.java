package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/** Actuator health of the guard's backend: UP when its model is loaded or its server answers. */
public final class GuardReasonerHealthIndicator extends AbstractHealthIndicator {

    private final GuardBackend backend;

    public GuardReasonerHealthIndicator(GuardBackend backend) {
        super("GuardReasoner health check failed");
        this.backend = backend;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        GuardBackend.Health health = backend.health();
        (health.up() ? builder.up() : builder.down())
                .withDetail("backend", backend.name())
                .withDetail("model", backend.modelId())
                .withDetail("detail", health.detail());
    }
}
