package io.guardreasoner.spring.stub;

import dev.langchain4j.guardrail.InputGuardrailException;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Guard;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.StubFault;
import io.guardreasoner.test.spring.AutoConfigureGuardReasonerStub;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;
import static io.guardreasoner.test.GuardReasonerAssertions.assertThatThrownBy;

/**
 * {@code @AutoConfigureGuardReasonerStub} with the real starter: the LocalAI backend, the guardrail beans of an
 * {@code @AiService} and the health indicator all reach the stub, and the application's chat model is the stub's
 * chat mode.
 */
@SpringBootTest(classes = StubbedApplication.class, properties = "guardreasoner.timeout=10s")
@AutoConfigureGuardReasonerStub(chatUrlProperties = "app.chat.base-url",
        setup = AutoConfigureGuardReasonerStubStarterTest.Scripts.class)
class AutoConfigureGuardReasonerStubStarterTest {

    /** The rules every test of this context shares. */
    static class Scripts implements AutoConfigureGuardReasonerStub.Setup {
        @Override
        public void setUp(GuardReasonerStubServer stub) {
            stub.script().whenRequestContains("explosive").answer(Harm.HARMFUL, null, null)
                    .whenResponseContains("acquire a tension wrench").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
            stub.chat().whenUserSays("bread").reply("Mix flour, water, salt and yeast.")
                    .whenUserSays("lock").reply("Sure, step one: acquire a tension wrench.");
        }
    }

    @Autowired
    GuardReasonerStubServer stub;

    @Autowired
    Guard guard;

    @Autowired
    StubbedAssistant assistant;

    @Autowired
    HealthIndicator guardReasonerHealthIndicator;

    @Test
    void starterBuildsTheLocalAiBackendOnTheStub(@Autowired GuardBackend backend) {
        assertThat(backend).isInstanceOf(LocalAiBackend.class);
        assertThat(guard.checkRequest("How do I make an explosive at home?"))
                .isBlocked().hasRequest(Harm.HARMFUL).wasServedByModel();
        assertThat(stub).receivedPromptFor("How do I make an explosive at home?").receivedCompletions(1)
                .receivedOnlyGreedyRequests();
    }

    @Test
    void aiServiceIsGuardedOnBothRailsThroughTheStub() {
        assertThat(assistant.chat("How do I bake bread?")).isEqualTo("Mix flour, water, salt and yeast.");
        assertThat(assistant.chat("How do I open a lock?")).isEqualTo("I'm sorry, but I can't help with that.");
        assertThatThrownBy(() -> assistant.chat("How do I make an explosive?")).isInstanceOf(InputGuardrailException.class);

        assertThat(stub).receivedChats(2)
                .receivedPromptFor("How do I bake bread?", "Mix flour, water, salt and yeast.")
                .receivedPromptFor("How do I open a lock?", "Sure, step one: acquire a tension wrench.")
                .receivedPromptFor("How do I make an explosive?");
    }

    @Test
    void stubFaultsBecomeThePolicysDecisionAndShowInHealth() {
        assertThat(guardReasonerHealthIndicator.health().getStatus()).isEqualTo(Status.UP);
        stub.failAlways(StubFault.status(500, "model crashed"));
        assertThat(guard.checkRequest("Tell me a joke about ducks"))
                .isBlocked().failedWith(GuardFailure.Kind.BACKEND_ERROR).failedWithMessageContaining("model crashed");
        assertThat(guardReasonerHealthIndicator.health().getStatus()).isEqualTo(Status.DOWN);
        // No heal(): the next test starts with the faults dropped and the requests forgotten.
    }

    @Test
    void eachTestSeesOnlyItsOwnRequests() {
        assertThat(stub).receivedNothing();
        assertThat(guardReasonerHealthIndicator.health().getStatus()).isEqualTo(Status.UP);
    }
}
