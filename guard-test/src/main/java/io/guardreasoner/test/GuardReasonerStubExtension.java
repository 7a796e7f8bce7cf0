package io.guardreasoner.test;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.Optional;

/** The JUnit 5 extension behind {@link GuardReasonerStub}: starts, injects, resets and stops the stub server. */
public final class GuardReasonerStubExtension implements ParameterResolver, BeforeEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(GuardReasonerStubExtension.class);
    private static final String KEY = "server";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == GuardReasonerStubServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // The store is hierarchical: a class-level server is found here too, and reused.
        return context.getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, k -> new Running(start(context)), Running.class).server;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getParent()
                .map(parent -> parent.getStore(NAMESPACE).get(KEY, Running.class))
                .ifPresent(running -> running.server.reset());
    }

    private static GuardReasonerStubServer start(ExtensionContext context) {
        Optional<GuardReasonerStub> config = context.getElement()
                .flatMap(e -> Optional.ofNullable(e.getAnnotation(GuardReasonerStub.class)))
                .or(() -> context.getTestClass().flatMap(c -> Optional.ofNullable(c.getAnnotation(GuardReasonerStub.class))));
        GuardReasonerStubServer.Builder builder = GuardReasonerStubServer.builder();
        config.ifPresent(c -> {
            builder.modelName(c.modelName());
            if (c.anyModel()) builder.anyModel();
        });
        return builder.start();
    }

    /** Stops the server when its JUnit context closes (JUnit 5.13+ closes AutoCloseable values, older ones CloseableResource). */
    @SuppressWarnings("deprecation")
    private record Running(GuardReasonerStubServer server) implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            server.close();
        }
    }
}
