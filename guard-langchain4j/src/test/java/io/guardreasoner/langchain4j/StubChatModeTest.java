package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.model.localai.LocalAiStreamingChatModel;
import io.guardreasoner.test.ChatScript;
import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/** The stub's chat mode, read by LangChain4j's real LocalAI chat clients, blocking and streaming. */
@GuardReasonerStub
class StubChatModeTest {

    @Test
    void langChain4jChatModelReadsScriptedReplies(GuardReasonerStubServer stub) {
        stub.chat().whenUserSays("weather").reply("It is sunny.");
        ChatModel model = LocalAiChatModel.builder().baseUrl(stub.url()).modelName("chatbot").maxRetries(0).build();

        assertThat(model.chat("What is the weather like?")).isEqualTo("It is sunny.");
        assertThat(model.chat("Hello")).isEqualTo(ChatScript.DEFAULT_REPLY);
        assertThat(stub).receivedChats(2).receivedCompletions(0);
        assertThat(stub.chatRequests().get(0).json()).containsEntry("model", "chatbot").containsKey("messages");
    }

    @Test
    void langChain4jStreamingChatModelReadsTheEventStream(GuardReasonerStubServer stub) throws Exception {
        stub.chat().whenUserSays("bread").reply("Mix flour, water, salt and yeast.");
        LocalAiStreamingChatModel model = LocalAiStreamingChatModel.builder().baseUrl(stub.url()).modelName("chatbot").build();
        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        model.chat(ChatRequest.builder().messages(UserMessage.from("How do I bake bread?")).build(),
                new StreamingChatResponseHandler() {
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

        ChatResponse response = done.get(10, TimeUnit.SECONDS);
        assertThat(response.aiMessage().text()).isEqualTo("Mix flour, water, salt and yeast.");
        assertThat(partials).hasSizeGreaterThan(1);
        assertThat(String.join("", partials)).isEqualTo("Mix flour, water, salt and yeast.");
        assertThat(stub.chatRequests().get(0).json()).containsEntry("stream", true);
    }
}
