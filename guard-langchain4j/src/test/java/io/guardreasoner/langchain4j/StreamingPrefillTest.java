package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.langchain4j.EventStreamingChatModel.Answer;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.BENIGN_REQUEST;
import static org.assertj.core.api.Assertions.assertThat;

/** The output rail's prefill while an answer streams in: growing prefixes of the coming check, never a different verdict. */
class StreamingPrefillTest {

    /** A long answer, so that it streams in several prefill steps; its last sentence is what the guard flags. */
    private static final String LONG_HARMFUL_ANSWER = "Drains clog for many reasons: hair, grease, soap scum and "
            + "small objects. Before you call a plumber, try boiling water, then a plunger, then a drain snake. "
            + "If none of that works, here is what I would do instead: step one: mix the chemicals in a sealed pipe.";
    private static final String LONG_HELPFUL_ANSWER = LONG_HARMFUL_ANSWER.replace(
            "step one: mix the chemicals in a sealed pipe.", "call a licensed plumber and ask for a camera inspection.");

    /** What a client saw, and what the guard was asked. */
    record Run(String text, ChatResponse response, List<String> prefills, List<String> outputPrompts) { }

    private static Run run(String answer, boolean prefill, InputMode mode) throws Exception {
        GatedGuardBackend backend = new GatedGuardBackend(GuardReasonerGuardrailsTest.script()
                .whenResponseContains("step one: mix").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));
        try (Guard guard = Guard.builder().backend(backend).cacheSize(0).build()) {
            GuardedStreamingChatModel model = GuardedStreamingChatModel.builder()
                    .delegate(EventStreamingChatModel.answering(Answer.text(answer))).guard(guard)
                    .inputMode(mode).prefill(prefill).build();
            StringBuilder text = new StringBuilder();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            model.chat(ChatRequest.builder().messages(UserMessage.from(BENIGN_REQUEST)).build(),
                    new StreamingChatResponseHandler() {
                        @Override
                        public void onPartialResponse(String partial) {
                            text.append(partial);
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
            ChatResponse response = done.get(10, TimeUnit.SECONDS);
            // Prefill runs on the guard's background thread: wait for the offers it has taken to land.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (prefill && backend.prefills().isEmpty() && System.nanoTime() < until) Thread.sleep(10);
            return new Run(text.toString(), response, backend.prefills(), backend.outputPrompts());
        }
    }

    @Test
    void prefillIsOfferedGrowingPrefixesOfTheComingCheck() throws Exception {
        Run run = run(LONG_HELPFUL_ANSWER, true, InputMode.SEQUENTIAL);

        assertThat(run.text()).isEqualTo(LONG_HELPFUL_ANSWER);
        String check = run.outputPrompts().getFirst();
        assertThat(run.prefills()).isNotEmpty().allSatisfy(prefix -> assertThat(check).startsWith(prefix));
        assertThat(run.prefills()).isSortedAccordingTo(Comparator.comparingInt(String::length)).doesNotHaveDuplicates();
        // Every prefix ends inside the answer: it never claims the answer is over.
        assertThat(run.prefills()).allSatisfy(prefix -> assertThat(prefix).contains(BENIGN_REQUEST)
                .doesNotEndWith(LONG_HELPFUL_ANSWER + "\n\n"));
    }

    @Test
    void prefillNeverChangesTheVerdict() throws Exception {
        for (String answer : List.of(LONG_HARMFUL_ANSWER, LONG_HELPFUL_ANSWER)) {
            Run with = run(answer, true, InputMode.SEQUENTIAL);
            Run without = run(answer, false, InputMode.SEQUENTIAL);

            assertThat(with.prefills()).isNotEmpty();
            assertThat(without.prefills()).isEmpty();
            assertThat(with.text()).isEqualTo(without.text());
            assertThat(with.response()).isEqualTo(without.response());
            assertThat(with.outputPrompts()).isEqualTo(without.outputPrompts());
        }
        assertThat(run(LONG_HARMFUL_ANSWER, true, InputMode.SEQUENTIAL).text()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
    }

    @Test
    void inParallelModePrefillWaitsForTheInputVerdict() throws Exception {
        GatedGuardBackend backend = new GatedGuardBackend(GuardReasonerGuardrailsTest.script());
        backend.holdInput();
        List<String> seenBeforeVerdict = new CopyOnWriteArrayList<>();
        try (Guard guard = Guard.builder().backend(backend).cacheSize(0).build()) {
            EventStreamingChatModel delegate = EventStreamingChatModel.answering(Answer.text(LONG_HELPFUL_ANSWER));
            GuardedStreamingChatModel model = GuardedStreamingChatModel.builder().delegate(delegate).guard(guard)
                    .inputMode(InputMode.PARALLEL).build();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            model.chat(ChatRequest.builder().messages(UserMessage.from(BENIGN_REQUEST)).build(),
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
            delegate.awaitFirstStreamEnd();
            backend.awaitInputCheck();
            // The input check holds the guard: the answer is not offered to it before the verdict.
            seenBeforeVerdict.addAll(backend.prefills());
            backend.releaseInput();
            done.get(10, TimeUnit.SECONDS);
        }
        assertThat(seenBeforeVerdict).isEmpty();
    }
}
