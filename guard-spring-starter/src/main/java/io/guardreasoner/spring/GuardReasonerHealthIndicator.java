package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of the guard's backend: UP when its model is loaded or its server answers. When the rails run on
 * different backends, each has its details under {@code input} and {@code output}, and both must be up.
 */
public final class GuardReasonerHealthIndicator extends AbstractHealthIndicator {

    private final GuardBackend input;
    private final GuardBackend output;

    /** The health of the one backend both rails run on. */
    public GuardReasonerHealthIndicator(GuardBackend backend) {
        this(backend, backend);
    }

    /** The health of each rail's backend. */
    public GuardReasonerHealthIndicator(GuardBackend input, GuardBackend output) {
        super("GuardReasoner health check failed");
        this.input = input;
        this.output = output;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (input == output) {
            GuardBackend.Health health = input.health();
            (health.up() ? builder.up() : builder.down()).withDetails(details(input, health, false));
            return;
        }
        GuardBackend.Health in = input.health();
        GuardBackend.Health out = output.health();
        (in.up() && out.up() ? builder.up() : builder.down())
                .withDetail("input", details(input, in, true))
                .withDetail("output", details(output, out, true));
    }

    private static java.util.Map<String, Object> details(GuardBackend backend, GuardBackend.Health health,
                                                         boolean withStatus) {
        java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
        if (withStatus) details.put("status", health.up() ? "UP" : "DOWN");
        details.put("backend", backend.name());
        details.put("model", backend.modelId());
        details.put("detail", health.detail());
        return details;
    }
}
