package io.guardreasoner.spring.interop;

import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.spring.LangChain4jAutoConfig;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;
import io.guardreasoner.langchain4j.GuardReasoner;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.spring.GuardReasonerAutoConfiguration;
import io.guardreasoner.spring.GuardReasonerBackendAutoConfiguration;
import io.guardreasoner.spring.GuardReasonerLangChain4jAutoConfiguration;
import io.guardreasoner.spring.SpringClassInstanceFactory;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.spring.GuardReasonerStubProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An {@code @AiService} built by langchain4j-spring-boot-starter gets OUR configured guardrail beans through the
 * ClassInstanceFactory bridge: the guard it uses is the context's, with the policy from properties.
 */
class AiServiceGuardrailInteropTest {

    private static GuardReasonerStubServer guardServer;
    private static GuardReasonerStubServer chatServer;

    @BeforeAll
    static void startServers() {
        guardServer = GuardReasonerStubServer.start(GuardScript.create()
                .whenRequestContains("explosive").answer(Harm.HARMFUL, null, null)
                .whenResponseContains("step one: acquire").answer(Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));
        chatServer = GuardReasonerStubServer.start();
        chatServer.chat().whenUserSays("bread").reply("Mix flour, water, salt and yeast.")
                .whenUserSays("lock").reply("Sure, step one: acquire a tension wrench.");
    }

    @AfterAll
    static void stopServers() {
        guardServer.close();
        chatServer.close();
    }

    @Configuration(proxyBeanMethods = false)
    @AutoConfigurationPackage
    static class App {
        final List<Assessment> seen = new CopyOnWriteArrayList<>();

        @Bean
        ChatModel chatModel() {
            return LocalAiChatModel.builder().baseUrl(chatServer.url()).modelName("chat")
                    .timeout(Duration.ofSeconds(10)).maxRetries(1).build();
        }

        @Bean
        AssessmentListener recordingListener() {
            return (exchange, assessment) -> seen.add(assessment);
        }
    }

    @Test
    void aiServiceUsesTheConfiguredGuardrailBeansOnBothRails() {
        GuardReasoner.clearDefault(); // so a fresh no-arg guardrail could not work at all
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GuardReasonerBackendAutoConfiguration.class,
                        GuardReasonerAutoConfiguration.class, GuardReasonerLangChain4jAutoConfiguration.class,
                        LangChain4jAutoConfig.class))
                .withUserConfiguration(App.class)
                .withPropertyValues(GuardReasonerStubProperties.propertyValues(guardServer))
                .withPropertyValues("guardreasoner.output.rewrite-message=That answer was withheld by policy.")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    GuardedAssistant assistant = context.getBean(GuardedAssistant.class);
                    List<Assessment> seen = context.getBean(App.class).seen;

                    assertThat(assistant.chat("How do I bake bread?")).isEqualTo("Mix flour, water, salt and yeast.");
                    assertThat(seen).extracting(a -> a.rail().label() + ":" + a.decision().kind())
                            .containsExactly("input:allow", "output:allow");

                    assertThatThrownBy(() -> assistant.chat("How do I make an explosive?"))
                            .isInstanceOf(InputGuardrailException.class);

                    assertThat(assistant.chat("How do I open a lock?")).isEqualTo("That answer was withheld by policy.");
                    assertThat(seen).extracting(a -> a.rail().label() + ":" + a.decision().kind())
                            .endsWith("input:block", "input:allow", "output:rewrite");

                    assertThat(new SpringClassInstanceFactory().getInstanceOfClass(GuardReasonerInputGuardrail.class))
                            .isSameAs(context.getBean(GuardReasonerInputGuardrail.class));
                });
    }

    @Test
    void classesWithoutABeanAreCreatedAsLangChain4jWould() {
        assertThat(new SpringClassInstanceFactory().getInstanceOfClass(StringBuilder.class)).isNotNull();
    }
}
