package io.guardreasoner.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.BENIGN_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HELPFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.REFUSAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Streaming through real AiServices {@code TokenStream}s: no unguarded token reaches the client, every stream ends. */
class GuardedStreamingChatModelTest {

    private static final String DRAIN = "How do I unclog a drain?";

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    /** What a client saw of one stream. */
    record Outcome(List<String> partials, ChatResponse response, Throwable error, AtomicInteger terminals) {
        String text() {
            return String.join("", partials);
        }
    }

    private ScriptedGuardBackend backend;
    private Guard guard;

    @BeforeEach
    void setUp() {
        backend = new ScriptedGuardBackend(GuardReasonerGuardrailsTest.script());
        guard = Guard.builder().backend(backend).build();
    }

    @AfterEach
    void tearDown() {
        guard.close();
    }

    private StreamingAssistant guardedAssistant(StreamingChatModel model, Guard guard) {
        return AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(guard).build())
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .build();
    }

    private static CompletableFuture<Outcome> start(TokenStream stream) {
        List<String> partials = new CopyOnWriteArrayList<>();
        AtomicInteger terminals = new AtomicInteger();
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        stream.onPartialResponse(partials::add)
                .onCompleteResponse(r -> {
                    terminals.incrementAndGet();
                    done.complete(new Outcome(partials, r, null, terminals));
                })
                .onError(e -> {
                    terminals.incrementAndGet();
                    done.complete(new Outcome(partials, null, e, terminals));
                })
                .start();
        return done;
    }

    private static Outcome run(TokenStream stream) throws Exception {
        return start(stream).get(10, TimeUnit.SECONDS);
    }

    @Test
    void langChain4jAloneReplaysTheOriginalTokensAfterARewrite() throws Exception {
        // Why the wrapper exists: with a plain output guardrail, the client's partials are the harmful answer.
        StreamingAssistant plain = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(ScriptedStreamingChatModel.answering(HARMFUL_ANSWER))
                .outputGuardrails(new GuardReasonerOutputGuardrail(guard))
                .build();

        Outcome outcome = run(plain.chat(DRAIN));

        assertThat(outcome.response().aiMessage().text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(outcome.text()).isEqualTo(HARMFUL_ANSWER);
    }

    @Test
    void streamsOnlyTheSafeMessageWhenTheAnswerIsHarmful() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(HARMFUL_ANSWER);

        Outcome outcome = run(guardedAssistant(model, guard).chat(DRAIN));

        assertThat(outcome.error()).isNull();
        assertThat(outcome.text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(outcome.partials()).noneMatch(p -> HARMFUL_ANSWER.contains(p.strip()));
        assertThat(outcome.response().aiMessage().text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(outcome.terminals()).hasValue(1);
    }

    @Test
    void streamsBenignAnswerInTheModelsOwnChunks() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(HELPFUL_ANSWER);

        Outcome outcome = run(guardedAssistant(model, guard).chat(BENIGN_REQUEST));

        assertThat(outcome.partials()).containsExactlyElementsOf(ScriptedStreamingChatModel.chunks(HELPFUL_ANSWER));
        assertThat(outcome.response().aiMessage().text()).isEqualTo(HELPFUL_ANSWER);
        // The output check paired the request with the streamed answer.
        assertThat(backend.prompts().getLast()).contains(BENIGN_REQUEST).contains(HELPFUL_ANSWER);
    }

    @Test
    void endsWithAnErrorAndNoTokenWhenThePolicyBlocksTheAnswer() throws Exception {
        Guard blocking = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withOnHarmful(GuardAction.BLOCK)).build();

        Outcome outcome = run(guardedAssistant(ScriptedStreamingChatModel.answering(HARMFUL_ANSWER), blocking).chat(DRAIN));

        assertThat(outcome.partials()).isEmpty();
        assertThat(outcome.error()).isInstanceOf(OutputGuardrailException.class)
                .hasMessage("GuardReasoner blocked the response: the response was judged harmful "
                        + "(request=unharmful, completion=compliance, response=harmful)");
    }

    @Test
    void streamsOnlyTheAnswerThatFollowsAReprompt() throws Exception {
        Guard reprompting = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(REFUSAL, HELPFUL_ANSWER);

        Outcome outcome = run(guardedAssistant(model, reprompting).chat(BENIGN_REQUEST));

        assertThat(outcome.text()).isEqualTo(HELPFUL_ANSWER);
        assertThat(outcome.partials()).noneMatch(p -> p.contains("can't"));
        assertThat(model.requests()).hasSize(2);
        assertThat(model.requests().get(1).messages()).containsExactly(
                UserMessage.from(BENIGN_REQUEST), UserMessage.from(RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE));
    }

    @Test
    void endsWithAnErrorWhenRepromptsRunOut() throws Exception {
        Guard reprompting = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(REFUSAL);
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(reprompting)
                        .maxReprompts(1).build())
                .build();

        Outcome outcome = run(assistant.chat(BENIGN_REQUEST));

        assertThat(outcome.partials()).isEmpty();
        assertThat(outcome.error()).isInstanceOf(OutputGuardrailException.class)
                .hasMessageStartingWith("GuardReasoner asked for a new answer 2 times, more than the 1 reprompts allowed");
        assertThat(model.requests()).hasSize(2);
    }

    @Test
    void endsWithTheModelsErrorAndLeaksNoToken() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(ScriptedStreamingChatModel.FAIL_MID_STREAM);

        Outcome outcome = run(guardedAssistant(model, guard).chat(BENIGN_REQUEST));

        assertThat(outcome.partials()).isEmpty();
        assertThat(outcome.error()).hasMessage("connection reset by the model server");
    }

    @Test
    void endsWithATimeoutErrorWhenTheModelNeverFinishes() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(ScriptedStreamingChatModel.HANG);
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(guard)
                        .timeout(Duration.ofMillis(200)).build())
                .build();

        Outcome outcome = run(assistant.chat(BENIGN_REQUEST));

        assertThat(outcome.partials()).isEmpty();
        assertThat(outcome.error()).isInstanceOf(TimeoutException.class).hasMessageContaining("no guarded answer within 200 ms");
    }

    @Test
    void guardFailureStreamsWhatThePolicySays() throws Exception {
        backend.failWith("connection refused by 127.0.0.1:8080");
        Guard failOpenInput = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnFailure(GuardAction.ALLOW)).build();

        // Output default on failure: rewrite. The unchecked answer never streams.
        Outcome outcome = run(guardedAssistant(ScriptedStreamingChatModel.answering(HELPFUL_ANSWER), failOpenInput)
                .chat(BENIGN_REQUEST));
        assertThat(outcome.text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);

        // Input default on failure: block, before any stream starts.
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(HELPFUL_ANSWER);
        assertThatThrownBy(() -> guardedAssistant(model, guard).chat(BENIGN_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("the guard failed (backend_error)");
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void harmfulRequestIsVetoedBeforeAnyStreamStarts() {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(HARMFUL_ANSWER);

        assertThatThrownBy(() -> guardedAssistant(model, guard).chat(HARMFUL_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("the request was judged harmful (request=harmful)");
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void everyConcurrentStreamEndsOnceAndLeaksNothing() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.responding(text -> switch (text.charAt(0)) {
            case 'h' -> HARMFUL_ANSWER;
            case 'b' -> HELPFUL_ANSWER;
            default -> ScriptedStreamingChatModel.FAIL_MID_STREAM;
        });
        StreamingAssistant assistant = guardedAssistant(model, guard);
        List<String> requests = new ArrayList<>();
        List<CompletableFuture<Outcome>> streams = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String request = "hbf".charAt(i % 3) + " request " + i;
            requests.add(request);
            streams.add(start(assistant.chat(request)));
        }

        for (int i = 0; i < streams.size(); i++) {
            Outcome outcome = streams.get(i).get(10, TimeUnit.SECONDS);
            assertThat(outcome.terminals()).as(requests.get(i)).hasValue(1);
            assertThat(outcome.partials()).as(requests.get(i)).noneMatch(p -> HARMFUL_ANSWER.contains(p.strip()));
            switch (requests.get(i).charAt(0)) {
                case 'h' -> assertThat(outcome.text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
                case 'b' -> assertThat(outcome.text()).isEqualTo(HELPFUL_ANSWER);
                default -> assertThat(outcome.error()).hasMessage("connection reset by the model server");
            }
        }
    }

    @Test
    void aHandlerThatThrowsOnCompletionStillHearsHowTheCallEnded() throws Exception {
        GuardedStreamingChatModel model = GuardedStreamingChatModel.builder()
                .delegate(ScriptedStreamingChatModel.answering(HELPFUL_ANSWER)).guard(guard).build();
        CompletableFuture<Throwable> error = new CompletableFuture<>();

        model.chat(ChatRequest.builder().messages(UserMessage.from(BENIGN_REQUEST)).build(),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        throw new IllegalStateException("an output guardrail of the AI service vetoed");
                    }

                    @Override
                    public void onError(Throwable e) {
                        error.complete(e);
                    }
                });

        assertThat(error.get(10, TimeUnit.SECONDS)).hasMessage("an output guardrail of the AI service vetoed");
    }

    @Test
    void passesAToolCallWithNoTextThroughUnjudged() throws Exception {
        AiMessage toolCall = AiMessage.from(List.of(ToolExecutionRequest.builder()
                .id("1").name("currentTime").arguments("{}").build()));
        StreamingChatModel callsATool = new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
                handler.onCompleteResponse(ChatResponse.builder().aiMessage(toolCall).build());
            }
        };
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        GuardedStreamingChatModel.builder().delegate(callsATool).guard(guard).build()
                .chat(ChatRequest.builder().messages(UserMessage.from("What time is it?")).build(),
                        new StreamingChatResponseHandler() {
                            @Override
                            public void onCompleteResponse(ChatResponse response) {
                                done.complete(response);
                            }

                            @Override
                            public void onError(Throwable error) {
                                done.completeExceptionally(error);
                            }
                        });

        assertThat(done.get(10, TimeUnit.SECONDS).aiMessage()).isEqualTo(toolCall);
        assertThat(backend.prompts()).isEmpty();
    }

    @Test
    void everyStreamingEntryPointOfThisLangChain4jIsGuarded() throws Exception {
        GuardedStreamingChatModel model = GuardedStreamingChatModel.builder()
                .delegate(ScriptedStreamingChatModel.answering(HARMFUL_ANSWER)).guard(guard).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from(DRAIN)).build();
        List<java.util.function.Consumer<StreamingChatResponseHandler>> calls = new ArrayList<>(List.of(
                h -> model.chat(request, h), h -> model.chat(DRAIN, h), h -> model.chat(List.of(UserMessage.from(DRAIN)), h)));
        // chat(ChatRequest, ChatRequestOptions, handler) arrived in LangChain4j 1.13.
        Class<?> options = GuardedChatModelTest.optionsClass();
        if (options != null) {
            java.lang.reflect.Method chat = StreamingChatModel.class.getMethod("chat", ChatRequest.class, options,
                    StreamingChatResponseHandler.class);
            Object empty = options.getField("EMPTY").get(null);
            calls.add(h -> {
                try {
                    chat.invoke(model, request, empty, h);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        for (var call : calls) {
            List<String> partials = new CopyOnWriteArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            call.accept(new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partial) {
                    partials.add(partial);
                }

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    done.complete(response);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }
            });
            assertThat(done.get(10, TimeUnit.SECONDS).aiMessage().text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
            assertThat(String.join("", partials)).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        }
    }

    @Test
    void usesTheDefaultGuardWhenNoneIsGiven() throws Exception {
        GuardReasoner.setDefault(guard);
        try {
            StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                    .streamingChatModel(GuardedStreamingChatModel.builder()
                            .delegate(ScriptedStreamingChatModel.answering(HARMFUL_ANSWER)).build())
                    .build();
            assertThat(run(assistant.chat(DRAIN)).text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        } finally {
            GuardReasoner.clearDefault();
        }
    }
}
