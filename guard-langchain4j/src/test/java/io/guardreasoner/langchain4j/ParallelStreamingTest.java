package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.langchain4j.EventStreamingChatModel.Answer;
import io.guardreasoner.langchain4j.GuardedStreamingChatModelTest.Outcome;
import io.guardreasoner.langchain4j.GuardedStreamingChatModelTest.StreamingAssistant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.BENIGN_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HELPFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.REFUSAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** {@link GuardedStreamingChatModel} in {@link InputMode#PARALLEL}, through real AiServices {@code TokenStream}s. */
class ParallelStreamingTest {

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

    private static GuardedStreamingChatModel parallel(StreamingChatModel model, Guard guard) {
        return GuardedStreamingChatModel.builder().delegate(model).guard(guard).inputMode(InputMode.PARALLEL).build();
    }

    private static StreamingAssistant assistant(StreamingChatModel model) {
        return AiServices.builder(StreamingAssistant.class).streamingChatModel(model).build();
    }

    /** Starts a stream and records what its client sees. */
    static CompletableFuture<Outcome> start(TokenStream stream) {
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

    @Test
    void nothingStreamsUntilTheInputVerdictIsIn() throws Exception {
        EventStreamingChatModel model = EventStreamingChatModel.answering(Answer.text(HELPFUL_ANSWER));
        backend.holdInput();

        CompletableFuture<Outcome> outcome = start(assistant(parallel(model, guard)).chat(BENIGN_REQUEST));
        model.awaitFirstStreamEnd();
        backend.awaitInputCheck();

        // The whole answer has streamed in while the input check runs: the client has seen none of it.
        assertThat(outcome).isNotDone();
        assertThat(backend.outputPrompts()).isEmpty();
        backend.releaseInput();
        Outcome seen = outcome.get(10, TimeUnit.SECONDS);
        assertThat(seen.partials()).containsExactlyElementsOf(ScriptedStreamingChatModel.chunks(HELPFUL_ANSWER));
        assertThat(seen.terminals()).hasValue(1);
        assertThat(backend.outputPrompts()).singleElement().asString().contains(HELPFUL_ANSWER);
    }

    @Test
    void harmfulRequestCancelsTheStreamAndEndsWithTheInputGuardrailsVeto() throws Exception {
        Throwable expected = catchThrowable(() -> AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(ScriptedStreamingChatModel.answering(HARMFUL_ANSWER))
                .inputGuardrails(new GuardReasonerInputGuardrail(guard)).build().chat(HARMFUL_REQUEST));
        EventStreamingChatModel model = EventStreamingChatModel.answering(Answer.text(HARMFUL_ANSWER)
                .pausing(Duration.ofMillis(50)));

        Outcome seen = start(assistant(parallel(model, guard)).chat(HARMFUL_REQUEST)).get(10, TimeUnit.SECONDS);

        assertThat(seen.error()).isInstanceOf(InputGuardrailException.class).hasMessage(expected.getMessage());
        assertThat(seen.partials()).isEmpty();
        assertThat(seen.terminals()).hasValue(1);
        assertThat(model.wasCancelled()).isTrue();
        model.awaitFirstStreamEnd();
        assertThat(backend.outputPrompts()).isEmpty();
    }

    @Test
    void aStreamThatIgnoresTheCancelLeaksNothingAfterIt() throws Exception {
        EventStreamingChatModel model = EventStreamingChatModel.answering(Answer.text(HARMFUL_ANSWER)
                .pausing(Duration.ofMillis(100)).ignoringCancel());
        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        backend.holdInput();

        assistant(parallel(model, guard)).chat(HARMFUL_REQUEST)
                .onPartialResponse(partials::add)
                .onCompleteResponse(r -> error.complete(null))
                .onError(error::complete)
                .start();
        // The veto comes mid-stream: the wrapper cancels, the model streams on regardless.
        model.awaitFirstEvent();
        backend.releaseInput();
        assertThat(error.get(10, TimeUnit.SECONDS)).isInstanceOf(InputGuardrailException.class);
        model.awaitFirstStreamEnd();

        assertThat(model.eventsAfterCancel()).isPositive();
        assertThat(partials).isEmpty();
        assertThat(backend.outputPrompts()).isEmpty();
    }

    @Test
    void rewrittenRequestGetsAnAnswerOfItsOwn() throws Exception {
        Guard rewriting = Guard.builder().backend(backend).cacheSize(0)
                .inputPolicy(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE)).build();
        EventStreamingChatModel model = EventStreamingChatModel.answering(request -> Answer.text(
                Texts.lastUserText(request.messages()).orElseThrow().contains("bomb") ? HARMFUL_ANSWER : REFUSAL));

        Outcome seen = start(assistant(parallel(model, rewriting)).chat(HARMFUL_REQUEST)).get(10, TimeUnit.SECONDS);

        assertThat(seen.text()).isEqualTo(REFUSAL);
        assertThat(model.requests()).hasSize(2);
        assertThat(model.requests().get(1).messages()).containsExactly(UserMessage.from(RailPolicy.DEFAULT_INPUT_REWRITE));
        assertThat(backend.outputPrompts()).singleElement().asString()
                .contains(RailPolicy.DEFAULT_INPUT_REWRITE).contains(REFUSAL).doesNotContain(HARMFUL_ANSWER);
    }

    @Test
    void aModelErrorBeforeABlockingVerdictStillEndsWithTheVeto() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(ScriptedStreamingChatModel.FAIL_MID_STREAM);
        backend.holdInput();

        CompletableFuture<Outcome> outcome = start(assistant(parallel(model, guard)).chat(HARMFUL_REQUEST));
        backend.awaitInputCheck();
        backend.releaseInput();

        Outcome seen = outcome.get(10, TimeUnit.SECONDS);
        assertThat(seen.error()).isInstanceOf(InputGuardrailException.class);
        assertThat(seen.terminals()).hasValue(1);
    }

    @Test
    void blockedStreamingTurnLeavesNoAnswerInMemoryAndForgetBlockedRequestsNoMessage() throws Exception {
        for (boolean forget : new boolean[] {false, true}) {
            ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
            AiServices<StreamingAssistant> builder = AiServices.builder(StreamingAssistant.class)
                    .streamingChatModel(parallel(EventStreamingChatModel.answering(request -> Answer.text(
                            Texts.lastUserText(request.messages()).orElseThrow().contains("bomb")
                                    ? HARMFUL_ANSWER : HELPFUL_ANSWER)), guard))
                    .chatMemory(memory);
            if (forget) builder.registerListeners(ForgetBlockedRequests.in(memory));
            StreamingAssistant assistant = builder.build();

            assertThat(start(assistant.chat(BENIGN_REQUEST)).get(10, TimeUnit.SECONDS).text()).isEqualTo(HELPFUL_ANSWER);
            assertThat(start(assistant.chat(HARMFUL_REQUEST)).get(10, TimeUnit.SECONDS).error())
                    .isInstanceOf(InputGuardrailException.class);

            if (forget) {
                assertThat(memory.messages()).containsExactly(UserMessage.from(BENIGN_REQUEST), AiMessage.from(HELPFUL_ANSWER));
            } else {
                assertThat(memory.messages()).containsExactly(UserMessage.from(BENIGN_REQUEST),
                        AiMessage.from(HELPFUL_ANSWER), UserMessage.from(HARMFUL_REQUEST));
            }
        }
    }
}
