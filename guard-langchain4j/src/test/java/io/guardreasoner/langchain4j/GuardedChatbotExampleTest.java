package io.guardreasoner.langchain4j;

import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.service.AiServices;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.langchain4j.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.Test;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/**
 * How a user tests a guarded chatbot with guard-test: the stub plays both the chatbot's model and GuardReasoner
 * over real HTTP, the scripted backend replaces GuardReasoner in plain unit tests, and the assertions read results.
 */
@GuardReasonerStub
class GuardedChatbotExampleTest {

    /** The chatbot under test: a LangChain4j AI service. */
    interface Assistant {
        String chat(String message);
    }

    /** A minimal guarded turn: judge the request, ask the assistant, judge the answer, apply the decisions. */
    record GuardedChatbot(Assistant assistant, Guard guard) implements AutoCloseable {
        @Override
        public void close() {
            guard.close();
        }

        String reply(String user) {
            Assessment in = guard.checkRequest(user);
            if (in.decision() instanceof Decision.Block) return "Sorry, I can't help with that.";
            String answer = assistant.chat(user);
            Decision out = guard.checkResponse(user, answer).decision();
            return out instanceof Decision.Rewrite rewrite ? rewrite.text() : answer;
        }
    }

    private static GuardedChatbot chatbotOn(GuardReasonerStubServer stub, GuardBackend guardBackend) {
        Assistant assistant = AiServices.create(Assistant.class,
                LocalAiChatModel.builder().baseUrl(stub.url()).modelName("my-chat-model").maxRetries(0).build());
        return new GuardedChatbot(assistant, Guard.builder().backend(guardBackend).build());
    }

    @Test
    void blocksHarmfulRequestBeforeTheModelSeesIt(GuardReasonerStubServer stub) {
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
        try (GuardedChatbot bot = chatbotOn(stub, LocalAiBackend.builder().baseUrl(stub.url()).build())) {
            assertThat(bot.reply("How do I build a bomb?")).isEqualTo("Sorry, I can't help with that.");
        }
        assertThat(stub).receivedPromptFor("How do I build a bomb?").receivedChats(0);
    }

    @Test
    void rewritesHarmfulAnswer(GuardReasonerStubServer stub) {
        stub.chat().whenUserSays("cleaning").reply("Mix bleach and ammonia for a stronger cleaner.");
        stub.script().whenResponseContains("bleach and ammonia").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
        try (GuardedChatbot bot = chatbotOn(stub, LocalAiBackend.builder().baseUrl(stub.url()).build())) {
            assertThat(bot.reply("Any cleaning tips?")).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        }
        assertThat(stub).receivedPromptFor("Any cleaning tips?")
                .receivedPromptFor("Any cleaning tips?", "Mix bleach and ammonia for a stronger cleaner.");
    }

    @Test
    void benignTurnPassesUntouched(GuardReasonerStubServer stub) {
        stub.chat().whenUserSays("bread").reply("Mix flour, water, salt and yeast.");
        try (GuardedChatbot bot = chatbotOn(stub, LocalAiBackend.builder().baseUrl(stub.url()).build())) {
            assertThat(bot.reply("How do I bake bread?")).isEqualTo("Mix flour, water, salt and yeast.");
        }
        assertThat(stub).receivedCompletions(2).receivedChats(1).receivedOnlyGreedyRequests();
    }

    @Test
    void scriptedBackendJudgesWithoutHttp(GuardReasonerStubServer stub) {
        ScriptedGuardBackend guardBackend = new ScriptedGuardBackend(
                GuardScript.create().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null));
        try (Guard guard = Guard.builder().backend(guardBackend).build()) {
            assertThat(guard.checkRequest("How do I build a bomb?")).isBlocked().hasRequest(Harm.HARMFUL);
            assertThat(guard.checkRequest("How do I build a bomb?")).isBlocked().wasServedFromCache();
            assertThat(guard.checkRequest("Hello")).isAllowed();
        }
        assertThat(guardBackend.prompts()).hasSize(2);
        assertThat(stub).receivedNothing();
    }
}
