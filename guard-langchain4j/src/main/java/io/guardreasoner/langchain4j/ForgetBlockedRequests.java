package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.observability.api.event.AiServiceErrorEvent;
import dev.langchain4j.observability.api.listener.AiServiceListener;

import java.util.List;
import java.util.Objects;

/**
 * Takes a request that {@link InputMode#PARALLEL} blocked back out of the AI service's chat memory.
 *
 * <p>An AI service adds the user's message to its chat memory before it calls the model; the input check of a
 * guarded model in parallel mode runs inside that call, so a blocked message would stay in the memory and be sent to
 * the model again with the next turn (the blocked turn's answer never gets there). Registered on the AI service, this
 * listener hears the call fail with the parallel veto and removes that last user message:
 *
 * <pre>{@code
 * ChatMemory memory = MessageWindowChatMemory.withMaxMessages(20);
 * Assistant assistant = AiServices.builder(Assistant.class)
 *         .chatModel(GuardedChatModel.builder().delegate(model).guard(guard).inputMode(InputMode.PARALLEL).build())
 *         .chatMemory(memory)
 *         .registerListeners(ForgetBlockedRequests.in(memory))
 *         .build();
 * }</pre>
 *
 * With a {@code TokenStream}, LangChain4j reports the error to listeners only when the stream has an
 * {@code onError} handler. A message window that was full lost its oldest message to the blocked one.
 */
public final class ForgetBlockedRequests implements AiServiceListener<AiServiceErrorEvent> {

    private final ChatMemoryProvider memories;

    private ForgetBlockedRequests(ChatMemoryProvider memories) {
        this.memories = memories;
    }

    /** For an AI service with this one chat memory. */
    public static ForgetBlockedRequests in(ChatMemory memory) {
        Objects.requireNonNull(memory, "memory");
        return new ForgetBlockedRequests(id -> memory);
    }

    /**
     * For an AI service with a memory per id. The provider must give the memory the service uses for an id: one
     * backed by a shared {@code ChatMemoryStore}, or, for an AI service that implements {@code ChatMemoryAccess},
     * {@code id -> assistant.getChatMemory(id)}.
     */
    public static ForgetBlockedRequests in(ChatMemoryProvider memories) {
        return new ForgetBlockedRequests(Objects.requireNonNull(memories, "memories"));
    }

    @Override
    public Class<AiServiceErrorEvent> getEventClass() {
        return AiServiceErrorEvent.class;
    }

    @Override
    public void onEvent(AiServiceErrorEvent event) {
        if (!ParallelInput.isVeto(event.error()) || event.invocationContext() == null) return;
        ChatMemory memory = memories.get(event.invocationContext().chatMemoryId());
        if (memory == null) return;
        List<ChatMessage> messages = memory.messages();
        // The blocked turn ended at its user message: nothing after it reached the memory.
        if (messages.isEmpty() || !(messages.getLast() instanceof UserMessage)) return;
        List<ChatMessage> kept = List.copyOf(messages.subList(0, messages.size() - 1));
        if (kept.isEmpty()) memory.clear();
        else memory.set(kept);
    }
}
