package io.guardreasoner.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
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
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real {@link StreamingChatModel} that streams, on its own thread, every kind of event a provider may send:
 * thinking, text, partial and complete tool calls, and (on LangChain4j versions that have it) an unmapped raw event.
 * Its streams can be cancelled through the {@link StreamingHandle} in each event's context, or ignore the cancel as
 * a provider without cancellation does.
 */
final class EventStreamingChatModel implements StreamingChatModel {

    /**
     * One answer: what it streams, in this order, with a pause before each event.
     *
     * @param thinking      thinking chunks, streamed first
     * @param text          text chunks
     * @param toolCalls     tool calls, each streamed as two partial calls and a complete one
     * @param rawEvent      an unmapped provider event carrying text, or null
     * @param pause         the pause before each event
     * @param ignoresCancel keep streaming after a cancel, as a provider without cancellation would
     */
    record Answer(List<String> thinking, List<String> text, List<ToolExecutionRequest> toolCalls, String rawEvent,
                  Duration pause, boolean ignoresCancel) {

        static Answer text(String text) {
            return new Answer(List.of(), ScriptedStreamingChatModel.chunks(text), List.of(), null, Duration.ZERO, false);
        }

        static Answer toolCalls(ToolExecutionRequest... calls) {
            return new Answer(List.of(), List.of(), List.of(calls), null, Duration.ZERO, false);
        }

        Answer withThinking(String... chunks) {
            return new Answer(List.of(chunks), text, toolCalls, rawEvent, pause, ignoresCancel);
        }

        Answer withText(String full) {
            return new Answer(thinking, ScriptedStreamingChatModel.chunks(full), toolCalls, rawEvent, pause, ignoresCancel);
        }

        Answer withRawEvent(String raw) {
            return new Answer(thinking, text, toolCalls, raw, pause, ignoresCancel);
        }

        Answer pausing(Duration pauseBeforeEachEvent) {
            return new Answer(thinking, text, toolCalls, rawEvent, pauseBeforeEachEvent, ignoresCancel);
        }

        Answer ignoringCancel() {
            return new Answer(thinking, text, toolCalls, rawEvent, pause, true);
        }

        AiMessage message() {
            AiMessage.Builder builder = AiMessage.builder().text(text.isEmpty() ? null : String.join("", text));
            if (!thinking.isEmpty()) builder.thinking(String.join("", thinking));
            if (!toolCalls.isEmpty()) builder.toolExecutionRequests(toolCalls);
            return builder.build();
        }
    }

    private final Function<ChatRequest, Answer> answers;
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstEventSent = new CountDownLatch(1);
    private final CountDownLatch firstStreamEnded = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final AtomicInteger eventsAfterCancel = new AtomicInteger();

    private EventStreamingChatModel(Function<ChatRequest, Answer> answers) {
        this.answers = answers;
    }

    static EventStreamingChatModel answering(Function<ChatRequest, Answer> answers) {
        return new EventStreamingChatModel(answers);
    }

    static EventStreamingChatModel answering(Answer answer) {
        return new EventStreamingChatModel(request -> answer);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        requests.add(request);
        Answer answer = answers.apply(request);
        Thread.ofVirtual().start(() -> {
            try {
                stream(answer, handler);
            } finally {
                firstStreamEnded.countDown();
            }
        });
    }

    private void stream(Answer answer, StreamingChatResponseHandler handler) {
        Handle handle = new Handle();
        List<Runnable> events = new ArrayList<>();
        for (String chunk : answer.thinking()) {
            events.add(() -> handler.onPartialThinking(new PartialThinking(chunk), new PartialThinkingContext(handle)));
        }
        for (String chunk : answer.text()) {
            events.add(() -> handler.onPartialResponse(new PartialResponse(chunk), new PartialResponseContext(handle)));
        }
        if (answer.rawEvent() != null) events.add(() -> sendRawEvent(handler, answer.rawEvent()));
        for (int i = 0; i < answer.toolCalls().size(); i++) {
            int index = i;
            ToolExecutionRequest call = answer.toolCalls().get(i);
            String args = call.arguments();
            int half = args.length() / 2;
            for (String part : List.of(args.substring(0, half), args.substring(half))) {
                events.add(() -> handler.onPartialToolCall(PartialToolCall.builder().index(index).id(call.id())
                        .name(call.name()).partialArguments(part).build(), new PartialToolCallContext(handle)));
            }
            events.add(() -> handler.onCompleteToolCall(new CompleteToolCall(index, call)));
        }
        AiMessage message = answer.message();
        events.add(() -> handler.onCompleteResponse(ChatResponse.builder().aiMessage(message)
                .finishReason(message.hasToolExecutionRequests() ? FinishReason.TOOL_EXECUTION : FinishReason.STOP)
                .build()));
        for (Runnable event : events) {
            pause(answer.pause());
            if (handle.isCancelled()) {
                if (!answer.ignoresCancel()) return;
                eventsAfterCancel.incrementAndGet();
            }
            event.run();
            firstEventSent.countDown();
        }
    }

    /** {@code onUnmappedRawEvent} exists from LangChain4j 1.13 on; on older versions there is nothing to send. */
    private static void sendRawEvent(StreamingChatResponseHandler handler, String raw) {
        try {
            Method method = StreamingChatResponseHandler.class.getMethod("onUnmappedRawEvent", Object.class);
            method.invoke(handler, raw);
        } catch (NoSuchMethodException e) {
            // This LangChain4j has no raw events.
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration pause) {
        if (pause.isZero()) return;
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Handle implements StreamingHandle {
        private volatile boolean cancelledHere;

        @Override
        public void cancel() {
            cancelledHere = true;
            cancelled.countDown();
        }

        @Override
        public boolean isCancelled() {
            return cancelledHere;
        }
    }

    /** Waits until a stream has sent its first event. */
    void awaitFirstEvent() throws InterruptedException {
        if (!firstEventSent.await(10, TimeUnit.SECONDS)) throw new AssertionError("the stream sent nothing");
    }

    /** Waits until the first stream has sent its last event (or stopped after a cancel). */
    void awaitFirstStreamEnd() throws InterruptedException {
        if (!firstStreamEnded.await(10, TimeUnit.SECONDS)) throw new AssertionError("the stream never ended");
    }

    /** True once a stream was cancelled, waiting up to 10 s for it. */
    boolean wasCancelled() throws InterruptedException {
        return cancelled.await(10, TimeUnit.SECONDS);
    }

    /** True when no stream was cancelled. */
    boolean neverCancelled() {
        return cancelled.getCount() == 1;
    }

    /** Events a stream sent after it was cancelled (only when it ignores the cancel). */
    int eventsAfterCancel() {
        return eventsAfterCancel.get();
    }

    List<ChatRequest> requests() {
        return List.copyOf(requests);
    }
}
