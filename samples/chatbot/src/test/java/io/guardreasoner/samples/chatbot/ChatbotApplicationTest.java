package io.guardreasoner.samples.chatbot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/** The chatbot end to end over HTTP: real app on a random port, guard and chat model on a real stub server. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChatbotApplicationTest extends ChatbotTestStub {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode chat(String message) throws Exception {
        HttpResponse<String> response = post("/api/chat", JSON.writeValueAsString(java.util.Map.of("message", message)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private String get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void benignTurnPassesBothRails() throws Exception {
        JsonNode turn = chat(BENIGN);
        assertThat(turn.path("reply").asText()).startsWith("Mix flour");
        assertThat(turn.path("blocked").asBoolean()).isFalse();
        assertThat(turn.path("decision").asText()).isEqualTo("allow");
        assertThat(turn.path("verdict").path("request").asText()).isEqualTo("unharmful");
        assertThat(turn.path("verdict").path("response").asText()).isEqualTo("unharmful");
        assertThat(turn.path("assessments")).extracting(a -> a.path("rail").asText() + ":" + a.path("decision").asText())
                .containsExactly("input:allow", "output:allow");
    }

    @Test
    void concurrentTurnsEachReportOnlyTheirOwnChecks() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var benign = new java.util.ArrayList<java.util.concurrent.Future<JsonNode>>();
            var harmful = new java.util.ArrayList<java.util.concurrent.Future<JsonNode>>();
            for (int i = 0; i < 4; i++) {
                benign.add(pool.submit(() -> chat(BENIGN)));
                harmful.add(pool.submit(() -> chat(HARMFUL_REQUEST)));
            }
            for (var f : benign) {
                assertThat(f.get().path("assessments")).extracting(a -> a.path("rail").asText() + ":" + a.path("decision").asText())
                        .containsExactly("input:allow", "output:allow");
            }
            for (var f : harmful) {
                assertThat(f.get().path("assessments")).extracting(a -> a.path("rail").asText() + ":" + a.path("decision").asText())
                        .containsExactly("input:block");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void harmfulRequestIsBlockedPolitelyWithoutReachingTheChatModel() throws Exception {
        JsonNode turn = chat(HARMFUL_REQUEST);
        assertThat(turn.path("blocked").asBoolean()).isTrue();
        assertThat(turn.path("decision").asText()).isEqualTo("block");
        assertThat(turn.path("reply").asText()).startsWith("Sorry, I can't help with that.");
        assertThat(turn.path("verdict").path("request").asText()).isEqualTo("harmful");
        assertThat(turn.path("verdict").path("reasoning").path("request").asText()).isNotBlank();
        assertThat(stub).receivedPromptFor(HARMFUL_REQUEST).receivedChats(0);
    }

    @Test
    void harmfulAnswerIsReplacedWithTheSafeMessage() throws Exception {
        JsonNode turn = chat(HARMFUL_ANSWER_REQUEST);
        assertThat(turn.path("blocked").asBoolean()).isTrue();
        assertThat(turn.path("decision").asText()).isEqualTo("rewrite");
        assertThat(turn.path("reply").asText()).doesNotContain("tension wrench").isEqualTo("I'm sorry, but I can't help with that.");
        assertThat(turn.path("verdict").path("response").asText()).isEqualTo("harmful");
    }

    @Test
    void overRefusalIsRepromptedIntoAHelpfulAnswer() throws Exception {
        JsonNode turn = chat(OVER_REFUSED_REQUEST);
        assertThat(turn.path("reply").asText()).isEqualTo("The capital of France is Paris.");
        assertThat(turn.path("blocked").asBoolean()).isFalse();
        assertThat(turn.path("decision").asText()).isEqualTo("reprompt");
        assertThat(turn.path("verdict").path("completion").asText()).isEqualTo("compliance");
    }

    @Test
    void guardOutageBlocksTheTurnWithA200AndShowsUpInHealth() throws Exception {
        stub.failAlways(StubFault.status(500, "model crashed"));
        JsonNode turn = chat("Tell me a joke about bread");
        assertThat(turn.path("blocked").asBoolean()).isTrue();
        assertThat(turn.path("decision").asText()).isEqualTo("block");
        assertThat(turn.has("verdict")).isFalse();
        assertThat(turn.path("assessments").get(0).path("failure").asText()).startsWith("backend_error");
        assertThat(get("/actuator/health")).contains("\"guardReasoner\"").contains("DOWN");
        assertThat(stub).receivedChats(0);

        stub.heal();
        assertThat(get("/actuator/health")).contains("\"status\":\"UP\"");
    }

    @Test
    void chatModelOutageIsA502WithTheReasonNotA500() throws Exception {
        stub.failChatsWhen(message -> true, StubFault.status(503, "model loading"));
        HttpResponse<String> response = post("/api/chat", "{\"message\": \"How do I bake bread today?\"}");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(JSON.readTree(response.body()).path("error").asText()).startsWith("the chat model did not answer");
        assertThat(stub).receivedPromptFor("How do I bake bread today?");
    }

    @Test
    void badInputGetsA400WithAClearMessage() throws Exception {
        HttpResponse<String> empty = post("/api/chat", "{\"message\": \"  \"}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("message is required");
        HttpResponse<String> notJson = post("/api/chat", "hello");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("must be JSON");
    }

    @Test
    void metricsAreVisibleAtActuator() throws Exception {
        chat(BENIGN);
        assertThat(get("/actuator/metrics")).contains("guardreasoner.assessment", "guardreasoner.decisions",
                "guardreasoner.verdict.labels");
        assertThat(get("/actuator/metrics/guardreasoner.decisions?tag=rail:input")).contains("\"COUNT\"");
        assertThat(get("/")).contains("GuardReasoner chatbot");
    }
}
