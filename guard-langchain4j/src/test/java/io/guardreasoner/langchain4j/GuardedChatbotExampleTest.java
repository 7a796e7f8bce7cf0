package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.service.AiServices;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;
import static io.guardreasoner.test.GuardReasonerAssertions.assertThatThrownBy;

/**
 * Testing a guarded chatbot with guard-test. The stub server plays both models over real HTTP: the chatbot's chat
 * model (its chat mode) and GuardReasoner behind the real LocalAI backend. The scripted backend stands in for
 * GuardReasoner in plain unit tests, with no HTTP at all.
 */
@GuardReasonerStub
class GuardedChatbotExampleTest {

    /** The chatbot: a LangChain4j AI service. */
    interface Assistant {
        String chat(String message);
    }

    private Guard guard;

    /** The chatbot as production builds it, with both models on the stub. */
    private Assistant assistantOn(GuardReasonerStubServer stub) {
        guard = Guard.builder().backend(LocalAiBackend.builder().baseUrl(stub.url()).build()).build();
        return AiServices.builder(Assistant.class)
                .chatModel(LocalAiChatModel.builder().baseUrl(stub.url()).modelName("my-chat-model").build())
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .outputGuardrails(new GuardReasonerOutputGuardrail(guard))
                .build();
    }

    @AfterEach
    void closeGuard() {
        if (guard != null) guard.close();
    }

    @Test
    void blocksHarmfulRequestBeforeTheModelSeesIt(GuardReasonerStubServer stub) {
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
        Assistant assistant = assistantOn(stub);

        assertThatThrownBy(() -> assistant.chat("How do I build a bomb?"))
                .isInstanceOf(InputGuardrailException.class).hasMessageContaining("judged harmful");
        assertThat(stub).receivedPromptFor("How do I build a bomb?").receivedChats(0);
    }

    @Test
    void rewritesHarmfulAnswer(GuardReasonerStubServer stub) {
        stub.chat().whenUserSays("cleaning").reply("Mix bleach and ammonia for a stronger cleaner.");
        stub.script().whenResponseContains("ammonia").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);

        assertThat(assistantOn(stub).chat("Any cleaning tips?")).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(stub).receivedPromptFor("Any cleaning tips?", "Mix bleach and ammonia for a stronger cleaner.");
    }

    @Test
    void benignTurnPassesUntouched(GuardReasonerStubServer stub) {
        stub.chat().whenUserSays("bread").reply("Mix flour, water, salt and yeast.");

        assertThat(assistantOn(stub).chat("How do I bake bread?")).isEqualTo("Mix flour, water, salt and yeast.");
        assertThat(stub).receivedCompletions(2).receivedChats(1).receivedOnlyGreedyRequests();
    }

    @Test
    void myPolicyRewritesHarmfulAnswersWithoutAnyServer() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()
                .whenResponseContains("ammonia").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));
        RailPolicy output = RailPolicy.outputDefaults().withRewriteMessage("Please ask a professional.");

        try (Guard guard = Guard.builder().backend(backend).outputPolicy(output).build()) {
            assertThat(guard.checkResponse("Cleaning tips?", "Mix bleach and ammonia."))
                    .wasRewrittenTo("Please ask a professional.").hasResponse(Harm.HARMFUL);
            assertThat(guard.checkResponse("Cleaning tips?", "Use vinegar.")).isAllowed();
            assertThat(guard.checkResponse("Cleaning tips?", "Mix bleach and ammonia.")).wasServedFromCache();
        }
        assertThat(backend.prompts()).hasSize(2);
    }
}
