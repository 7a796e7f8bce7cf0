package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@link StreamingChatModel} that streams scripted answers word by word on its own thread, as a network
 * client would. An answer may also be a scripted failure: an error after a few tokens, or no end at all.
 */
final class ScriptedStreamingChatModel implements StreamingChatModel {

    /** Answer text that makes the stream fail after its first token. */
    static final String FAIL_MID_STREAM = "<fail-mid-stream>";
    /** Answer text that makes the stream emit a token and then never finish. */
    static final String HANG = "<hang>";

    private static final Pattern CHUNK = Pattern.compile("\\s*\\S+");

    private final List<String> answers;
    private final Function<String, String> byUserText;
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    private ScriptedStreamingChatModel(List<String> answers, Function<String, String> byUserText) {
        this.answers = new ArrayList<>(answers);
        this.byUserText = byUserText;
    }

    /** Answers in this order, the last one again when they run out. */
    static ScriptedStreamingChatModel answering(String... answers) {
        return new ScriptedStreamingChatModel(List.of(answers), null);
    }

    /** Answers each request by the text of its last user message. */
    static ScriptedStreamingChatModel responding(Function<String, String> byUserText) {
        return new ScriptedStreamingChatModel(List.of(), byUserText);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        requests.add(request);
        String answer;
        if (byUserText != null) {
            answer = byUserText.apply(((UserMessage) request.messages().getLast()).singleText());
        } else {
            synchronized (this) {
                answer = answers.get(Math.min(requests.size(), answers.size()) - 1);
            }
        }
        Thread.ofVirtual().start(() -> stream(answer, handler));
    }

    private static void stream(String answer, StreamingChatResponseHandler handler) {
        if (answer.equals(FAIL_MID_STREAM)) {
            handler.onPartialResponse("Sure,");
            handler.onError(new IllegalStateException("connection reset by the model server"));
            return;
        }
        if (answer.equals(HANG)) {
            handler.onPartialResponse("Sure,");
            return;
        }
        for (String chunk : chunks(answer)) handler.onPartialResponse(chunk);
        handler.onCompleteResponse(ChatResponse.builder()
                .aiMessage(AiMessage.from(answer))
                .finishReason(FinishReason.STOP)
                .build());
    }

    /** How an answer is cut into partial responses: each word with the spaces before it. */
    static List<String> chunks(String answer) {
        List<String> chunks = new ArrayList<>();
        Matcher m = CHUNK.matcher(answer);
        while (m.find()) chunks.add(m.group());
        return chunks;
    }

    List<ChatRequest> requests() {
        return List.copyOf(requests);
    }
}
