package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real {@link ChatModel} that gives scripted answers in order (the last one again when they run out). */
final class ScriptedChatModel implements ChatModel {

    private final List<String> answers;
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    private ScriptedChatModel(List<String> answers) {
        this.answers = new ArrayList<>(answers);
    }

    static ScriptedChatModel answering(String... answers) {
        return new ScriptedChatModel(List.of(answers));
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        String answer = answers.get(Math.min(requests.size(), answers.size()) - 1);
        return ChatResponse.builder().aiMessage(AiMessage.from(answer)).finishReason(FinishReason.STOP).build();
    }

    /** Every request the model received, in order. */
    List<ChatRequest> requests() {
        return List.copyOf(requests);
    }
}
