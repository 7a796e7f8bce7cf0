package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real blocking {@link ChatModel} whose answers (text, tool calls, thinking) are chosen per request. It tells a
 * test when it has answered, and can instead hang until its thread is interrupted, as a network call would.
 */
final class StagedChatModel implements ChatModel {

    private final Function<ChatRequest, AiMessage> answers;
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch answered = new CountDownLatch(1);
    private final CountDownLatch interrupted = new CountDownLatch(1);
    private volatile boolean hang;

    private StagedChatModel(Function<ChatRequest, AiMessage> answers) {
        this.answers = answers;
    }

    /** Answers in this order, the last one again when they run out. */
    static StagedChatModel answering(AiMessage... answers) {
        List<AiMessage> list = List.of(answers);
        StagedChatModel[] self = new StagedChatModel[1];
        self[0] = new StagedChatModel(request -> list.get(Math.min(self[0].requests.size(), list.size()) - 1));
        return self[0];
    }

    /** Answers each request as {@code answers} says. */
    static StagedChatModel answering(Function<ChatRequest, AiMessage> answers) {
        return new StagedChatModel(answers);
    }

    /** From now on each call hangs until its thread is interrupted. */
    StagedChatModel hangingUntilInterrupted() {
        hang = true;
        return this;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        started.countDown();
        if (hang) {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new IllegalStateException("the chat call was interrupted", e);
            }
        }
        AiMessage answer = answers.apply(request);
        answered.countDown();
        return ChatResponse.builder().aiMessage(answer)
                .finishReason(answer.hasToolExecutionRequests() ? FinishReason.TOOL_EXECUTION : FinishReason.STOP)
                .build();
    }

    /** Waits until the model has received its first request. */
    void awaitRequest() throws InterruptedException {
        if (!started.await(10, TimeUnit.SECONDS)) throw new AssertionError("the chat model was never called");
    }

    /** Waits until the model has given its first answer. */
    void awaitAnswer() throws InterruptedException {
        if (!answered.await(10, TimeUnit.SECONDS)) throw new AssertionError("the chat model never answered");
    }

    /** True once a hanging call was interrupted, waiting up to 10 s for it. */
    boolean wasInterrupted() throws InterruptedException {
        return interrupted.await(10, TimeUnit.SECONDS);
    }

    /** Every request the model received, in order. */
    List<ChatRequest> requests() {
        return List.copyOf(requests);
    }
}
