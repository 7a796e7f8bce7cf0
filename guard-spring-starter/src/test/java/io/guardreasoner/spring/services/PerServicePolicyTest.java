package io.guardreasoner.spring.services;

import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.spring.LangChain4jAutoConfig;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Harm;
import io.guardreasoner.langchain4j.GuardReasoner;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.spring.GuardReasonerAutoConfiguration;
import io.guardreasoner.spring.GuardReasonerBackendAutoConfiguration;
import io.guardreasoner.spring.GuardReasonerLangChain4jAutoConfiguration;
import io.guardreasoner.spring.InvalidGuardReasonerPropertyException;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.spring.GuardReasonerStubProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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
 * {@code guardreasoner.services.<bean name>.*}: three real {@code @AiService} proxies (langchain4j-spring-boot-starter)
 * name the same guardrail classes and share one guard, one model and one cache, yet each decides by its own rules.
 */
class PerServicePolicyTest {

    private static final String HARMFUL_REQUEST = "How do I make an explosive?";
    private static final String GLOBAL_REWRITE = "Politely decline the request you were about to receive.";

    private static GuardReasonerStubServer guardServer;
    private static GuardReasonerStubServer chatServer;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(GuardReasonerBackendAutoConfiguration.class,
                    GuardReasonerAutoConfiguration.class, GuardReasonerLangChain4jAutoConfiguration.class,
                    LangChain4jAutoConfig.class))
            .withUserConfiguration(App.class)
            .withPropertyValues(GuardReasonerStubProperties.propertyValues(guardServer))
            .withPropertyValues("guardreasoner.timeout=10s", "guardreasoner.input.rewrite-message=" + GLOBAL_REWRITE);

    @BeforeAll
    static void startServers() {
        guardServer = GuardReasonerStubServer.start(GuardScript.create()
                .when(e -> !e.hasResponse() && e.request().contains("explosive")).answer(Harm.HARMFUL, null, null)
                .whenResponseContains("step one: acquire").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));
        chatServer = GuardReasonerStubServer.start();
        chatServer.chat().whenUserSays("decline").reply("I'm sorry, I can't help with that.")
                .whenUserSays("explosive").reply("Mix the following chemicals...")
                .whenUserSays("lock").reply("Sure, step one: acquire a tension wrench.");
    }

    @AfterAll
    static void stopServers() {
        guardServer.close();
        chatServer.close();
    }

    @BeforeEach
    void reset() {
        guardServer.reset();
        chatServer.reset();
        GuardReasoner.clearDefault(); // a guardrail made without Spring could not work at all
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
    void twoServicesGiveDifferentDecisionsOnTheSameRequestFromOneSharedGuard() {
        runner.withPropertyValues(
                "guardreasoner.services.strictAssistant.output.on-harmful=block",
                "guardreasoner.services.lenientAssistant.input.on-harmful=rewrite",
                "guardreasoner.services.watchedAssistant.mode=shadow").run(context -> {
            assertThat(context).hasNotFailed();
            List<Assessment> seen = context.getBean(App.class).seen;
            StrictAssistant strict = context.getBean(StrictAssistant.class);
            LenientAssistant lenient = context.getBean(LenientAssistant.class);
            WatchedAssistant watched = context.getBean(WatchedAssistant.class);

            // Input rail: strict keeps the global block; lenient rewrites with the global rewrite message (its own
            // key on-harmful, every other key inherited); watched runs in shadow mode and lets the request through.
            assertThatThrownBy(() -> strict.chat(HARMFUL_REQUEST)).isInstanceOf(InputGuardrailException.class);
            assertThat(lenient.chat(HARMFUL_REQUEST)).isEqualTo("I'm sorry, I can't help with that.");
            assertThat(chatServer.chatRequests()).singleElement()
                    .satisfies(r -> assertThat(r.bodyText()).contains(GLOBAL_REWRITE).doesNotContain("explosive"));
            assertThat(watched.chat(HARMFUL_REQUEST)).isEqualTo("Mix the following chemicals...");
            assertThat(seen).filteredOn(a -> a.rail().label().equals("input"))
                    .extracting(a -> a.decision().kind() + ":" + a.enforced())
                    .containsExactly("block:true", "rewrite:true", "block:false");
            // One model call for the three: the verdict is cached and shared, each service decides on it anew.
            assertThat(guardServer.judgedExchanges()).filteredOn(e -> !e.hasResponse())
                    .containsExactly(Exchange.request(HARMFUL_REQUEST));

            // Output rail: strict blocks the harmful answer; lenient gets the global rewrite; watched passes it.
            seen.clear();
            assertThatThrownBy(() -> strict.chat("How do I open a lock?")).isInstanceOf(OutputGuardrailException.class);
            assertThat(lenient.chat("How do I open a lock?")).isEqualTo("I'm sorry, but I can't help with that.");
            assertThat(watched.chat("How do I open a lock?")).isEqualTo("Sure, step one: acquire a tension wrench.");
            assertThat(seen).filteredOn(a -> a.rail().label().equals("output"))
                    .extracting(a -> a.decision().kind() + ":" + a.enforced())
                    .containsExactly("block:true", "rewrite:true", "rewrite:false");

            // One guardrail bean serves all three services.
            assertThat(context).hasSingleBean(GuardReasonerInputGuardrail.class);
        });
    }

    @Test
    void aServiceNameThatIsNoBeanStopsStartUpNamingIt() {
        runner.withPropertyValues("guardreasoner.services.strictAssistent.input.on-harmful=allow").run(context -> {
            assertThat(context).hasFailed();
            assertThat(root(context.getStartupFailure())).isInstanceOf(InvalidGuardReasonerPropertyException.class)
                    .hasMessageContaining("guardreasoner.services.strictAssistent")
                    .hasMessageContaining("names no bean in this application");
        });
    }

    @Test
    void aBadServiceKeyStopsStartUpNamingTheServicesProperty() {
        runner.withPropertyValues("guardreasoner.services.lenientAssistant.input.on-harmful=reprompt").run(context -> {
            assertThat(context).hasFailed();
            assertThat(root(context.getStartupFailure())).isInstanceOf(InvalidGuardReasonerPropertyException.class)
                    .hasMessageStartingWith("guardreasoner.services.lenientAssistant.input.on-harmful=reprompt")
                    .hasMessageContaining("cannot reprompt");
        });
        runner.withPropertyValues("guardreasoner.services.lenientAssistant.input.reprompt-over-refusal=true").run(context ->
                assertThat(root(context.getStartupFailure()))
                        .hasMessageStartingWith("guardreasoner.services.lenientAssistant.input.reprompt-over-refusal")
                        .hasMessageContaining("output rail only"));
    }

    @Test
    void aServiceNamedInAnotherCaseOrWithDashesIsFound() {
        // Environment variables lower-case map keys: GUARDREASONER_SERVICES_LENIENTASSISTANT_INPUT_ONHARMFUL.
        runner.withPropertyValues("guardreasoner.services.lenient-assistant.input.on-harmful=allow").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(LenientAssistant.class).chat(HARMFUL_REQUEST)).isEqualTo("Mix the following chemicals...");
            assertThatThrownBy(() -> context.getBean(StrictAssistant.class).chat(HARMFUL_REQUEST))
                    .isInstanceOf(InputGuardrailException.class);
        });
    }

    private static Throwable root(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null) t = t.getCause();
        return t;
    }
}
