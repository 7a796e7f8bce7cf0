package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.RailPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.BENIGN_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HELPFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.REFUSAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** {@link GuardedChatModel} inside real AiServices proxies: the output rail, the parallel input check, chat memory. */
class GuardedChatModelTest {

    private static final String DRAIN = "How do I unclog a drain?";

    interface Assistant {
        String chat(String message);
    }

    private GatedGuardBackend backend;
    private Guard guard;

    @BeforeEach
    void setUp() {
        backend = new GatedGuardBackend(GuardReasonerGuardrailsTest.script());
        guard = Guard.builder().backend(backend).cacheSize(0).build();
    }

    @AfterEach
    void tearDown() {
        backend.releaseInput();
        guard.close();
    }

    private static GuardedChatModel guarded(ChatModel model, Guard guard, InputMode mode) {
        return GuardedChatModel.builder().delegate(model).guard(guard).inputMode(mode).build();
    }

    private static Assistant parallel(ChatModel model, Guard guard) {
        return AiServices.builder(Assistant.class).chatModel(guarded(model, guard, InputMode.PARALLEL)).build();
    }

    /** The same model, checked the sequential way: an input guardrail first. */
    private static Assistant sequential(ChatModel model, Guard guard) {
        return AiServices.builder(Assistant.class)
                .chatModel(guarded(model, guard, InputMode.SEQUENTIAL))
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .build();
    }

    @Test
    void parallelModeReturnsNothingUntilTheInputVerdictIsIn() throws Exception {
        StagedChatModel model = StagedChatModel.answering(AiMessage.from(HELPFUL_ANSWER));
        backend.holdInput();

        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> parallel(model, guard).chat(BENIGN_REQUEST));
        model.awaitAnswer();
        backend.awaitInputCheck();

        // The model has answered while the input check still runs: nothing is judged or returned yet.
        assertThat(answer).isNotDone();
        assertThat(backend.outputPrompts()).isEmpty();
        backend.releaseInput();
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(HELPFUL_ANSWER);
        assertThat(backend.prompts()).hasSize(2);
        assertThat(backend.prompts().getFirst()).contains(BENIGN_REQUEST).contains("AI assistant:\nNone");
        assertThat(backend.prompts().getLast()).contains(BENIGN_REQUEST).contains(HELPFUL_ANSWER);
    }

    @Test
    void parallelVetoIsTheInputGuardrailsOwnExceptionAndTheAnswerIsNeverJudged() {
        Throwable expected = catchThrowable(() -> sequential(StagedChatModel.answering(AiMessage.from(HARMFUL_ANSWER)), guard)
                .chat(HARMFUL_REQUEST));
        StagedChatModel model = StagedChatModel.answering(AiMessage.from(HARMFUL_ANSWER));

        Throwable vetoed = catchThrowable(() -> parallel(model, guard).chat(HARMFUL_REQUEST));

        assertThat(expected).isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("GuardReasoner blocked the request: the request was judged harmful (request=harmful)");
        assertThat(vetoed).isInstanceOf(InputGuardrailException.class).hasMessage(expected.getMessage());
        assertThat(backend.outputPrompts()).isEmpty();
    }

    @Test
    void blockedSpeculativeCallIsInterrupted() throws Exception {
        StagedChatModel model = StagedChatModel.answering(AiMessage.from(HARMFUL_ANSWER)).hangingUntilInterrupted();
        backend.holdInput();

        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> parallel(model, guard).chat(HARMFUL_REQUEST));
        model.awaitRequest();
        backend.releaseInput();

        assertThat(answer).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
                .havingCause().isInstanceOf(InputGuardrailException.class);
        assertThat(model.wasInterrupted()).isTrue();
    }

    @Test
    void rewrittenRequestIsAskedAgainAndTheSpeculativeAnswerDropped() {
        Guard rewriting = Guard.builder().backend(backend).cacheSize(0)
                .inputPolicy(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE)).build();
        StagedChatModel model = StagedChatModel.answering(request -> AiMessage.from(
                Texts.lastUserText(request.messages()).orElseThrow().contains("bomb") ? HARMFUL_ANSWER : REFUSAL));

        String answer = parallel(model, rewriting).chat(HARMFUL_REQUEST);

        assertThat(answer).isEqualTo(REFUSAL);
        assertThat(model.requests()).extracting(ChatRequest::messages)
                .contains(List.of(UserMessage.from(RailPolicy.DEFAULT_INPUT_REWRITE)));
        assertThat(model.requests()).extracting(r -> Texts.lastUserText(r.messages()).orElseThrow())
                .isSubsetOf(HARMFUL_REQUEST, RailPolicy.DEFAULT_INPUT_REWRITE);
        // The output rail judged the answer to the rewrite, with the rewrite as its request.
        assertThat(backend.outputPrompts()).singleElement().asString()
                .contains(RailPolicy.DEFAULT_INPUT_REWRITE).contains(REFUSAL).doesNotContain(HARMFUL_ANSWER);
    }

    @Test
    void guardFailureInParallelModeEndsAsThePolicySays() {
        backend.failWith("connection refused by 127.0.0.1:8080");
        StagedChatModel model = StagedChatModel.answering(AiMessage.from(HELPFUL_ANSWER));

        assertThatThrownBy(() -> parallel(model, guard).chat(BENIGN_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("GuardReasoner blocked the request: the guard failed (backend_error)");
    }

    @Test
    void outputRailRewritesBlocksAndRepromptsTheAnswer() {
        Assistant rewriting = AiServices.builder(Assistant.class)
                .chatModel(guarded(StagedChatModel.answering(AiMessage.from(HARMFUL_ANSWER)), guard, InputMode.SEQUENTIAL))
                .build();
        assertThat(rewriting.chat(DRAIN)).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);

        Guard blocking = Guard.builder().backend(backend).outputPolicy(RailPolicy.outputDefaults().withOnHarmful(GuardAction.BLOCK)).build();
        Assistant blocked = AiServices.builder(Assistant.class)
                .chatModel(guarded(StagedChatModel.answering(AiMessage.from(HARMFUL_ANSWER)), blocking, InputMode.SEQUENTIAL))
                .build();
        assertThatThrownBy(() -> blocked.chat(DRAIN)).isInstanceOf(OutputGuardrailException.class)
                .hasMessage("GuardReasoner blocked the response: the response was judged harmful "
                        + "(request=unharmful, completion=compliance, response=harmful)");

        Guard reprompting = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();
        StagedChatModel refusesFirst = StagedChatModel.answering(AiMessage.from(REFUSAL), AiMessage.from(HELPFUL_ANSWER));
        Assistant reprompted = AiServices.builder(Assistant.class)
                .chatModel(guarded(refusesFirst, reprompting, InputMode.PARALLEL)).build();
        assertThat(reprompted.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
        assertThat(refusesFirst.requests().getLast().messages())
                .containsExactly(UserMessage.from(BENIGN_REQUEST), UserMessage.from(RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE));
    }

    @Test
    void checksAreHeardOnTheCallingThreadAsWithTheGuardrails() {
        List<String> heard = new CopyOnWriteArrayList<>();
        Guard listened = Guard.builder().backend(backend)
                .listener((exchange, assessment) -> heard.add(assessment.rail().label() + "@" + Thread.currentThread().getName()))
                .build();

        parallel(StagedChatModel.answering(AiMessage.from(HELPFUL_ANSWER)), listened).chat(BENIGN_REQUEST);

        String caller = Thread.currentThread().getName();
        assertThat(heard).containsExactly("input@" + caller, "output@" + caller);
    }

    @Test
    void blockedTurnLeavesNoAnswerInTheChatMemoryButLangChain4jKeepsTheUsersMessage() {
        ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        StagedChatModel model = StagedChatModel.answering(request -> AiMessage.from(
                Texts.lastUserText(request.messages()).orElseThrow().contains("bomb") ? HARMFUL_ANSWER : HELPFUL_ANSWER));
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(guarded(model, guard, InputMode.PARALLEL)).chatMemory(memory).build();

        assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
        assertThatThrownBy(() -> assistant.chat(HARMFUL_REQUEST)).isInstanceOf(InputGuardrailException.class);

        // The AI service stored the user's message before it called the model; no answer followed it.
        assertThat(memory.messages()).containsExactly(UserMessage.from(BENIGN_REQUEST), AiMessage.from(HELPFUL_ANSWER),
                UserMessage.from(HARMFUL_REQUEST));
    }

    @Test
    void forgetBlockedRequestsTakesTheBlockedMessageBackOutOfTheChatMemory() {
        ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        StagedChatModel model = StagedChatModel.answering(request -> AiMessage.from(
                Texts.lastUserText(request.messages()).orElseThrow().contains("bomb") ? HARMFUL_ANSWER : HELPFUL_ANSWER));
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(guarded(model, guard, InputMode.PARALLEL))
                .chatMemory(memory)
                .registerListeners(ForgetBlockedRequests.in(memory))
                .build();

        assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
        assertThatThrownBy(() -> assistant.chat(HARMFUL_REQUEST)).isInstanceOf(InputGuardrailException.class);
        assertThat(memory.messages()).containsExactly(UserMessage.from(BENIGN_REQUEST), AiMessage.from(HELPFUL_ANSWER));

        assertThat(assistant.chat(DRAIN)).isEqualTo(HELPFUL_ANSWER);
        // (A cancelled speculative call may still be recorded late, so find the next turn by its message.)
        List<ChatMessage> nextTurn = model.requests().stream().map(ChatRequest::messages)
                .filter(m -> m.getLast().equals(UserMessage.from(DRAIN))).findFirst().orElseThrow();
        assertThat(nextTurn).containsExactly(UserMessage.from(BENIGN_REQUEST), AiMessage.from(HELPFUL_ANSWER),
                UserMessage.from(DRAIN));
    }

    @Test
    void forgetBlockedRequestsLeavesOtherFailuresAlone() {
        ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        ChatModel failing = new ChatModel() {
            @Override
            public ChatResponse doChat(ChatRequest request) {
                throw new IllegalStateException("model server down");
            }
        };
        // Sequential: the input guardrail vetoes before memory is written; a model failure is not a veto.
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(guarded(failing, guard, InputMode.SEQUENTIAL))
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .chatMemory(memory)
                .registerListeners(ForgetBlockedRequests.in(memory))
                .build();

        assertThatThrownBy(() -> assistant.chat(BENIGN_REQUEST)).hasMessageContaining("model server down");
        assertThatThrownBy(() -> assistant.chat(HARMFUL_REQUEST)).isInstanceOf(InputGuardrailException.class);

        assertThat(memory.messages()).containsExactly(UserMessage.from(BENIGN_REQUEST));
    }

    @Test
    void thinkingIsTakenOutOfTheAnswer() {
        AiMessage thought = AiMessage.builder().text(HELPFUL_ANSWER).thinking("The user might want to make a bomb.").build();
        GuardedChatModel model = guarded(StagedChatModel.answering(thought), guard, InputMode.SEQUENTIAL);

        ChatResponse response = model.chat(ChatRequest.builder().messages(UserMessage.from(BENIGN_REQUEST)).build());

        assertThat(response.aiMessage().text()).isEqualTo(HELPFUL_ANSWER);
        assertThat(response.aiMessage().thinking()).isNull();
        assertThat(backend.outputPrompts()).singleElement().asString().doesNotContain("make a bomb");
    }

    @Test
    void everyChatEntryPointOfThisLangChain4jIsGuarded() throws Exception {
        GuardedChatModel model = guarded(StagedChatModel.answering(AiMessage.from(HARMFUL_ANSWER)), guard, InputMode.SEQUENTIAL);
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from(DRAIN)).build();

        assertThat(model.chat(DRAIN)).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(model.chat(request).aiMessage().text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(model.chat(UserMessage.from(DRAIN)).aiMessage().text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        // chat(ChatRequest, ChatRequestOptions) arrived in LangChain4j 1.13.
        Class<?> options = optionsClass();
        if (options != null) {
            Method chat = ChatModel.class.getMethod("chat", ChatRequest.class, options);
            ChatResponse response = (ChatResponse) chat.invoke(model, request, options.getField("EMPTY").get(null));
            assertThat(response.aiMessage().text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        }
    }

    /** LangChain4j's ChatRequestOptions, on versions that have it. */
    static Class<?> optionsClass() {
        try {
            return Class.forName("dev.langchain4j.model.chat.ChatRequestOptions");
        } catch (ClassNotFoundException e) {
            return null;
        }
    }
}
