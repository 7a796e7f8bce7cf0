package io.guardreasoner.test.spring;

import io.guardreasoner.test.GuardReasonerStubServer;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Points the Spring Boot starter at a stub from a {@code @DynamicPropertySource} method (or an
 * {@code ApplicationContextRunner}), for tests that start the stub themselves rather than with
 * {@link AutoConfigureGuardReasonerStub}.
 *
 * <pre>{@code
 * static final GuardReasonerStubServer STUB = GuardReasonerStubServer.start();
 *
 * @DynamicPropertySource
 * static void guard(DynamicPropertyRegistry registry) {
 *     GuardReasonerStubProperties.register(registry, STUB);
 * }
 * }</pre>
 */
public final class GuardReasonerStubProperties {

    private GuardReasonerStubProperties() {
    }

    /**
     * Adds {@code guardreasoner.backend=localai}, {@code guardreasoner.localai.base-urls} and
     * {@code guardreasoner.localai.model-name} for this stub.
     */
    public static void register(DynamicPropertyRegistry registry, GuardReasonerStubServer stub) {
        stub.springProperties().forEach((name, value) -> registry.add(name, () -> value));
    }

    /**
     * The same properties as {@code name=value} pairs, for Spring Boot's {@code ApplicationContextRunner
     * .withPropertyValues(...)} or {@code TestPropertyValues.of(...)}.
     */
    public static String[] propertyValues(GuardReasonerStubServer stub) {
        return stub.springProperties().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }
}
