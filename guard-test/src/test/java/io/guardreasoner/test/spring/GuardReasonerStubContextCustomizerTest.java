package io.guardreasoner.test.spring;

import io.guardreasoner.test.GuardReasonerStubServer;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.DynamicPropertyRegistry;

import java.io.IOException;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The customizer on its own: equal for equal settings (one cached context), the stub's life follows the context's;
 * and the {@code @DynamicPropertySource} helper.
 */
class GuardReasonerStubContextCustomizerTest {

    @AutoConfigureGuardReasonerStub
    static class Plain {
    }

    static class Inheriting extends Plain {
    }

    @AutoConfigureGuardReasonerStub(anyModel = true)
    static class AnyModel {
    }

    static class NotAnnotated {
    }

    private static GuardReasonerStubContextCustomizer customizerFor(Class<?> testClass) {
        return (GuardReasonerStubContextCustomizer) new GuardReasonerStubContextCustomizerFactory()
                .createContextCustomizer(testClass, List.of());
    }

    @Test
    void classesConfiguredAlikeShareOneContextAndOthersDoNot() {
        assertThat(customizerFor(Inheriting.class)).isEqualTo(customizerFor(Plain.class))
                .hasSameHashCodeAs(customizerFor(Plain.class));
        assertThat(customizerFor(AnyModel.class)).isNotEqualTo(customizerFor(Plain.class));
        assertThat(customizerFor(NotAnnotated.class)).isNull();
    }

    @Test
    void stubStopsWhenTheContextCloses() throws IOException {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(
                new MapPropertySource("declared", Map.of("guardreasoner.localai.model-name", "declared")));
        customizerFor(Plain.class).customizeContext(context, null);
        context.refresh();
        GuardReasonerStubServer stub = context.getBean(GuardReasonerStubServer.class);
        assertThat(context.getEnvironment().getProperty("guardreasoner.localai.base-urls")).isEqualTo(stub.url());
        assertThat(context.getEnvironment().getProperty("guardreasoner.localai.model-name")).isEqualTo("declared");
        new Socket("127.0.0.1", stub.port()).close();

        context.close();
        assertThatThrownBy(() -> new Socket("127.0.0.1", stub.port()).close()).isInstanceOf(IOException.class);
    }

    @Test
    void stubStopsWhenTheContextFailsToStart() {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.registerBean("broken", String.class, () -> {
            throw new IllegalStateException("broken bean");
        });
        customizerFor(Plain.class).customizeContext(context, null);
        GuardReasonerStubServer stub = context.getBeanFactory().getBean(GuardReasonerStubServer.class);
        assertThatThrownBy(context::refresh).hasRootCauseMessage("broken bean");
        assertThatThrownBy(() -> new Socket("127.0.0.1", stub.port()).close()).isInstanceOf(IOException.class);
    }

    @Test
    void propertiesHelperGivesTheStubsProperties() {
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.builder().modelName("guard-8b").start()) {
            Map<String, Object> registered = new LinkedHashMap<>();
            DynamicPropertyRegistry registry = (name, value) -> registered.put(name, value.get());
            GuardReasonerStubProperties.register(registry, stub);
            assertThat(registered).containsExactly(Map.entry("guardreasoner.backend", "localai"),
                    Map.entry("guardreasoner.localai.base-urls", stub.url()),
                    Map.entry("guardreasoner.localai.model-name", "guard-8b"));
            assertThat(GuardReasonerStubProperties.propertyValues(stub)).containsExactly("guardreasoner.backend=localai",
                    "guardreasoner.localai.base-urls=" + stub.url(), "guardreasoner.localai.model-name=guard-8b");
        }
    }
}
