package io.guardreasoner.samples.chatbot;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/**
 * The chatbot application with its guard backend replaced by a {@link ScriptedGuardBackend} bean (the starter backs
 * off), while the stub still plays the chat model: the guard's decisions without any HTTP to a guard server.
 *
 * <p>Closed after the class: the starter lends guardrail beans to LangChain4j from the application started last,
 * and this one's scripted guard must not serve the other test classes' chatbot.
 */
@SpringBootTest
@Import(ChatbotScriptedGuardTest.ScriptedGuard.class)
@DirtiesContext
class ChatbotScriptedGuardTest extends ChatbotTestStub {

    @TestConfiguration(proxyBeanMethods = false)
    static class ScriptedGuard {
        final List<Assessment> assessments = new CopyOnWriteArrayList<>();

        @Bean
        ScriptedGuardBackend scriptedGuardBackend() {
            return new ScriptedGuardBackend(GuardScript.create()
                    .whenRequestContains("explosive").answer(Harm.HARMFUL, null, null));
        }

        @Bean
        AssessmentListener everyAssessment() {
            return (exchange, assessment) -> assessments.add(assessment);
        }
    }

    @Autowired
    ChatController controller;

    @Autowired
    ScriptedGuardBackend guardBackend;

    @Autowired
    ScriptedGuard scriptedGuard;

    @BeforeEach
    void forgetAssessments() {
        scriptedGuard.assessments.clear();
        guardBackend.failWith(null);
    }

    private ChatTurn chat(String message) {
        return (ChatTurn) controller.chat(new ChatController.ChatRequest(message)).getBody();
    }

    @Test
    void scriptedGuardBlocksHarmfulRequestBeforeTheChatModel() {
        ChatTurn turn = chat(HARMFUL_REQUEST);

        assertThat(turn.blocked()).isTrue();
        assertThat(turn.reply()).startsWith("Sorry, I can't help with that.");
        assertThat(scriptedGuard.assessments).singleElement()
                .satisfies(a -> assertThat(a).isBlocked().hasRequest(Harm.HARMFUL).wasServedByModel());
        assertThat(guardBackend.prompts()).last().isEqualTo(GuardPrompt.modelCard().render(Exchange.request(HARMFUL_REQUEST)));
        assertThat(stub).receivedNothing();
    }

    @Test
    void benignTurnIsJudgedOnBothRailsByTheScriptedGuard() {
        ChatTurn turn = chat(BENIGN);

        assertThat(turn.reply()).startsWith("Mix flour");
        assertThat(turn.decision()).isEqualTo("allow");
        assertThat(scriptedGuard.assessments).hasSize(2).allSatisfy(a -> assertThat(a).isAllowed());
        assertThat(stub).receivedChats(1).receivedCompletions(0);
    }

    @Test
    void guardBackendFailureBlocksTheTurnAsThePolicySays() {
        guardBackend.failWith("model crashed");

        ChatTurn turn = chat(BENIGN);

        assertThat(turn.blocked()).isTrue();
        assertThat(turn.assessments()).singleElement().extracting(ChatTurn.AssessmentView::failure).asString()
                .startsWith("backend_error").contains("model crashed");
        assertThat(scriptedGuard.assessments).singleElement().satisfies(a -> assertThat(a)
                .isBlocked().failedWith(GuardFailure.Kind.BACKEND_ERROR).failedWithMessageContaining("model crashed"));
        assertThat(stub).receivedChats(0);
    }
}
