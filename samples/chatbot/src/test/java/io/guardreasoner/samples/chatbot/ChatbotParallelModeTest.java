package io.guardreasoner.samples.chatbot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.chat.ChatModel;
import io.guardreasoner.langchain4j.GuardedChatModel;
import io.guardreasoner.langchain4j.InputMode;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/**
 * The chatbot started as {@code java -jar chatbot.jar --guardreasoner.input.mode=parallel}: the guard checks each
 * message while the chat model already answers it, and every turn still reads as in sequential mode.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, args = "--guardreasoner.input.mode=parallel")
class ChatbotParallelModeTest extends ChatbotTestStub {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    @Autowired
    ChatModel chatModel;

    private JsonNode chat(String message) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/chat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("message", message)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String checks(JsonNode turn) {
        StringBuilder checks = new StringBuilder();
        turn.path("assessments").forEach(a -> checks.append(a.path("rail").asText()).append(':')
                .append(a.path("decision").asText()).append(' '));
        return checks.toString().strip();
    }

    @Test
    void theChatModelIsWrappedToCheckTheInputInParallel() {
        assertThat(chatModel).isInstanceOfSatisfying(GuardedChatModel.class,
                m -> assertThat(m.inputMode()).isEqualTo(InputMode.PARALLEL));
    }

    @Test
    void benignTurnPassesBothRailsCheckedOnceEach() throws Exception {
        JsonNode turn = chat(BENIGN);
        assertThat(turn.path("reply").asText()).startsWith("Mix flour");
        assertThat(turn.path("blocked").asBoolean()).isFalse();
        assertThat(checks(turn)).isEqualTo("input:allow output:allow");
    }

    @Test
    void harmfulRequestIsBlockedAndTheSpeculativeAnswerNeverShown() throws Exception {
        JsonNode turn = chat(HARMFUL_REQUEST);
        assertThat(turn.path("blocked").asBoolean()).isTrue();
        assertThat(turn.path("decision").asText()).isEqualTo("block");
        assertThat(turn.path("reply").asText()).startsWith("Sorry, I can't help with that.");
        assertThat(turn.path("verdict").path("request").asText()).isEqualTo("harmful");
        assertThat(checks(turn)).isEqualTo("input:block");
        // The chat model may have been asked (that is the point of parallel mode); its answer was never judged.
        assertThat(stub.judgedExchanges()).allSatisfy(e -> assertThat(e.hasResponse()).isFalse());
    }

    @Test
    void harmfulAnswerIsReplacedWithTheSafeMessage() throws Exception {
        JsonNode turn = chat(HARMFUL_ANSWER_REQUEST);
        assertThat(turn.path("decision").asText()).isEqualTo("rewrite");
        assertThat(turn.path("reply").asText()).isEqualTo("I'm sorry, but I can't help with that.");
        assertThat(checks(turn)).isEqualTo("input:allow output:rewrite");
    }

    @Test
    void overRefusalIsRepromptedByTheGuardedModel() throws Exception {
        JsonNode turn = chat(OVER_REFUSED_REQUEST);
        assertThat(turn.path("reply").asText()).isEqualTo("The capital of France is Paris.");
        assertThat(checks(turn)).isEqualTo("input:allow output:reprompt output:allow");
    }

    @Test
    void guardOutageStillBlocksTheTurn() throws Exception {
        stub.failWhen(exchange -> true, StubFault.status(500, "model crashed"));
        JsonNode turn = chat("Tell me a joke about bread");
        assertThat(turn.path("blocked").asBoolean()).isTrue();
        assertThat(turn.path("decision").asText()).isEqualTo("block");
        assertThat(turn.path("assessments").get(0).path("failure").asText()).startsWith("backend_error");
    }
}
