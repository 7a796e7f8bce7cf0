package io.guardreasoner.samples.chatbot;

import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.service.AiServices;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.ScriptedGuardBackend;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.guardreasoner.samples.chatbot.ChatbotTestStub.BENIGN;
import static io.guardreasoner.samples.chatbot.ChatbotTestStub.HARMFUL_ANSWER_REQUEST;
import static io.guardreasoner.samples.chatbot.ChatbotTestStub.HARMFUL_REQUEST;
import static io.guardreasoner.samples.chatbot.ChatbotTestStub.OVER_REFUSED_REQUEST;
import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/**
 * The chatbot's turn logic (controller, turn recorder, JSON view) as a plain JUnit 5 test, no Spring: a real
 * LangChain4j AI service with the GuardReasoner guardrails, its chat model on the stub's chat mode, and the guard on
 * a {@link ScriptedGuardBackend} with the same script (or, for outages, on the real LocalAI backend to the stub).
 */
@GuardReasonerStub
class ChatControllerTest {

    private static final String REFUSAL = "Sorry, I can't help with that.";

    private final List<Assessment> assessments = new CopyOnWriteArrayList<>();
    private final List<Guard> guards = new ArrayList<>();

    /** The assistant's one method, without the annotations that let Spring pick the guardrails. */
    interface Chat {
        String chat(String message);
    }

    @AfterEach
    void closeGuards() {
        guards.forEach(Guard::close);
    }

    /** The chatbot's controller over a guarded AI service whose chat model is the stub. */
    private ChatController chatbot(GuardReasonerStubServer stub, GuardBackend guardBackend) {
        ChatbotTestStub.script(stub);
        TurnRecorder recorder = new TurnRecorder();
        Guard guard = Guard.builder().backend(guardBackend).timeout(Duration.ofSeconds(10))
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true))
                .listener(recorder).listener((exchange, assessment) -> assessments.add(assessment)).build();
        guards.add(guard);
        Chat chat = AiServices.builder(Chat.class)
                .chatModel(LocalAiChatModel.builder().baseUrl(stub.url()).modelName("chat").maxRetries(0).build())
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .outputGuardrails(new GuardReasonerOutputGuardrail(guard))
                .build();
        ChatbotProperties properties = new ChatbotProperties(
                new ChatbotProperties.Model(stub.url(), "chat", Duration.ofSeconds(10), 0), REFUSAL);
        return new ChatController(chat::chat, recorder, properties);
    }

    /** The same, with the guard on a scripted backend that answers from the stub's guard script, without HTTP. */
    private ChatController scripted(GuardReasonerStubServer stub) {
        return chatbot(stub, new ScriptedGuardBackend(stub.script()));
    }

    /** One turn through the controller, answered with 200 as every guard decision is. */
    private static ChatTurn send(ChatController chatbot, String message) {
        ResponseEntity<?> response = chatbot.chat(new ChatController.ChatRequest(message));
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        return (ChatTurn) response.getBody();
    }

    @Test
    void benignTurnShowsTheAnswerAndBothChecks(GuardReasonerStubServer stub) {
        ChatTurn turn = send(scripted(stub), BENIGN);

        assertThat(turn.reply()).startsWith("Mix flour");
        assertThat(turn.blocked()).isFalse();
        assertThat(turn.decision()).isEqualTo("allow");
        assertThat(turn.verdict().response()).isEqualTo("unharmful");
        assertThat(turn.assessments()).extracting(ChatTurn.AssessmentView::rail).containsExactly("input", "output");
        assertThat(assessments).allSatisfy(a -> assertThat(a).isAllowed().wasServedByModel());
        assertThat(stub).receivedChats(1).receivedCompletions(0);
    }

    @Test
    void harmfulRequestIsVetoedWithThePoliteRefusal(GuardReasonerStubServer stub) {
        ChatTurn turn = send(scripted(stub), HARMFUL_REQUEST);

        assertThat(turn.reply()).isEqualTo(REFUSAL);
        assertThat(turn.blocked()).isTrue();
        assertThat(turn.decision()).isEqualTo("block");
        assertThat(turn.verdict().request()).isEqualTo("harmful");
        assertThat(assessments).singleElement().satisfies(a -> assertThat(a).isBlocked().hasRequest(Harm.HARMFUL));
        assertThat(stub).receivedChats(0);
    }

    @Test
    void harmfulAnswerIsRewrittenAndCountsAsBlocked(GuardReasonerStubServer stub) {
        ChatTurn turn = send(scripted(stub), HARMFUL_ANSWER_REQUEST);

        assertThat(turn.reply()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(turn.blocked()).isTrue();
        assertThat(turn.decision()).isEqualTo("rewrite");
        assertThat(assessments).last().satisfies(a -> assertThat(a).wasRewritten().hasResponse(Harm.HARMFUL));
    }

    @Test
    void overRefusalIsRepromptedAndTheTurnShowsEveryCheck(GuardReasonerStubServer stub) {
        ChatTurn turn = send(scripted(stub), OVER_REFUSED_REQUEST);

        assertThat(turn.reply()).isEqualTo("The capital of France is Paris.");
        assertThat(turn.blocked()).isFalse();
        assertThat(turn.decision()).isEqualTo("reprompt");
        assertThat(turn.assessments()).extracting(a -> a.rail() + ":" + a.decision())
                .containsExactly("input:allow", "output:reprompt", "output:allow");
        assertThat(stub).receivedChats(2);
    }

    @Test
    void guardServerOutageBlocksTheTurnWithTheFailureShown(GuardReasonerStubServer stub) {
        ChatController chatbot = chatbot(stub, LocalAiBackend.builder().baseUrl(stub.url()).build());
        stub.failNext(StubFault.status(500, "model crashed"));

        ChatTurn turn = send(chatbot, BENIGN);

        assertThat(turn.blocked()).isTrue();
        assertThat(turn.reply()).isEqualTo(REFUSAL);
        assertThat(turn.verdict()).isNull();
        assertThat(turn.assessments().get(0).failure()).startsWith("backend_error").contains("model crashed");
        assertThat(stub).receivedPromptFor(BENIGN).receivedChats(0);
    }

    @Test
    void chatModelOutageIsABadGatewayAndBadInputABadRequest(GuardReasonerStubServer stub) {
        ChatController chatbot = scripted(stub);
        stub.failChatsWhen(message -> true, StubFault.status(503, "model loading"));

        assertThat(chatbot.chat(new ChatController.ChatRequest(BENIGN)).getStatusCode().value()).isEqualTo(502);
        assertThat(chatbot.chat(new ChatController.ChatRequest("  ")).getStatusCode().value()).isEqualTo(400);
        assertThat(chatbot.chat(new ChatController.ChatRequest("x".repeat(ChatController.MAX_MESSAGE_CHARS + 1)))
                .getStatusCode().value()).isEqualTo(400);
        assertThat(stub).receivedChats(1);
    }
}
