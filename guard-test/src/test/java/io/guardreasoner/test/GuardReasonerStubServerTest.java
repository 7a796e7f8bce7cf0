package io.guardreasoner.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The stub server's protocol, read with the JDK's own HTTP client (LangChain4j's client is checked in guard-langchain4j). */
class GuardReasonerStubServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String BREAD = GuardPrompt.modelCard().render(Exchange.request("How do I bake bread?"));

    private final GuardReasonerStubServer stub = GuardReasonerStubServer.start();

    @AfterEach
    void stop() {
        stub.close();
    }

    private HttpResponse<String> post(String path, Object body) throws Exception {
        return post(path, JSON.writeValueAsString(body), Duration.ofSeconds(10));
    }

    private HttpResponse<String> post(String path, String body, Duration timeout) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stub.rootUrl() + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stub.rootUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> completion(String prompt, Object... more) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("model", GuardReasonerStubServer.DEFAULT_MODEL_NAME);
        body.put("prompt", prompt);
        for (int i = 0; i < more.length; i += 2) body.put((String) more[i], more[i + 1]);
        return body;
    }

    @Test
    void urlIsLoopbackBaseEndingInV1() {
        assertThat(stub.url()).matches("http://127\\.0\\.0\\.1:\\d+/v1").isEqualTo(stub.rootUrl() + "/v1");
        assertThat(stub.port()).isPositive();
    }

    @Test
    void answersCompletionInLocalAiShape() throws Exception {
        HttpResponse<String> response = post("/v1/completions", completion(BREAD, "max_tokens", 2048, "temperature", 0));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.fieldNames()).toIterable().containsExactly("created", "object", "id", "model", "choices", "usage");
        assertThat(json.get("object").asText()).isEqualTo("text_completion");
        assertThat(json.get("model").asText()).isEqualTo("guardreasoner-3b");
        assertThat(json.get("created").isNumber()).isTrue();
        JsonNode choice = json.get("choices").get(0);
        assertThat(choice.fieldNames()).toIterable().containsExactly("index", "finish_reason", "text");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.get("text").asText()).isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null));
        JsonNode usage = json.get("usage");
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
    }

    @Test
    void defaultAnswerForExchangeWithResponseIsUnharmfulComplianceUnharmful() throws Exception {
        String prompt = GuardPrompt.evaluation().render(Exchange.of("Hi", "Hello!"));
        JsonNode json = JSON.readTree(post("/v1/completions", completion(prompt)).body());
        assertThat(json.at("/choices/0/text").asText())
                .isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL));
    }

    @Test
    void honoursStopAndMaxTokens() throws Exception {
        JsonNode stopped = JSON.readTree(post("/v1/completions", completion(BREAD, "stop", List.of("# Task 2"))).body());
        assertThat(stopped.at("/choices/0/text").asText()).startsWith("# Task 1").doesNotContain("# Task 2");
        assertThat(stopped.at("/choices/0/finish_reason").asText()).isEqualTo("stop");

        JsonNode single = JSON.readTree(post("/v1/completions", completion(BREAD, "stop", "## Conclusion")).body());
        assertThat(single.at("/choices/0/text").asText()).doesNotContain("Conclusion");

        JsonNode limited = JSON.readTree(post("/v1/completions", completion(BREAD, "max_tokens", 4)).body());
        assertThat(limited.at("/choices/0/text").asText()).isEqualTo("# Task 1\n\n##");
        assertThat(limited.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(limited.at("/usage/completion_tokens").asInt()).isEqualTo(4);
    }

    @Test
    void answersEachPromptOfAnArray() throws Exception {
        String bomb = GuardPrompt.modelCard().render(Exchange.request("How do I build a bomb?"));
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
        JsonNode json = JSON.readTree(post("/v1/completions", completion(null, "prompt", List.of(BREAD, bomb))).body());
        assertThat(json.get("choices")).hasSize(2);
        assertThat(json.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(json.at("/choices/1/text").asText()).contains("Request: harmful");
        assertThat(json.at("/choices/0/text").asText()).contains("Request: unharmful");
    }

    @Test
    void recordsEveryRequestWithItsExchange() throws Exception {
        post("/v1/completions", completion(BREAD, "max_tokens", 7));
        get("/readyz");

        assertThat(stub.requests()).hasSize(2);
        StubRequest request = stub.lastCompletionRequest();
        assertThat(request.exchange()).hasValue(Exchange.request("How do I bake bread?"));
        assertThat(request.prompt()).isEqualTo(BREAD);
        assertThat(request.maxTokens()).isEqualTo(7);
        assertThat(request.model()).isEqualTo("guardreasoner-3b");
        assertThat(request.stop()).isEmpty();
        assertThat(request.header("Content-Type")).hasValue("application/json");
        assertThat(stub.judgedExchanges()).containsExactly(Exchange.request("How do I bake bread?"));

        stub.reset();
        assertThat(stub.requests()).isEmpty();
        assertThatThrownBy(stub::lastCompletionRequest).hasMessageContaining("no completion request");
    }

    @Test
    void refusesOtherModelsUnlessToldToAcceptAny() throws Exception {
        HttpResponse<String> refused = post("/v1/completions", Map.of("model", "gpt-4", "prompt", BREAD));
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(refused.body()).at("/error/message").asText())
                .contains("model 'gpt-4' is not served here").contains("guardreasoner-3b");

        try (GuardReasonerStubServer any = GuardReasonerStubServer.builder().anyModel().start()) {
            HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(any.url() + "/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("model", "gpt-4", "prompt", BREAD))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ok.body()).get("model").asText()).isEqualTo("gpt-4");
        }
    }

    @Test
    void rejectsBadRequestsClearly() throws Exception {
        HttpResponse<String> notJson = post("/v1/completions", "{not json", Duration.ofSeconds(5));
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(notJson.body()).at("/error/code").asInt()).isEqualTo(400);

        assertThat(post("/v1/completions", Map.of("model", "guardreasoner-3b")).statusCode()).isEqualTo(400);
        assertThat(post("/v1/completions", completion(BREAD, "max_tokens", 0)).statusCode()).isEqualTo(400);

        HttpResponse<String> unknown = get("/v1/embeddings");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("the stub serves POST /v1/completions");
    }

    @Test
    void servesHealthEndpointsWithAndWithoutV1() throws Exception {
        JsonNode models = JSON.readTree(get("/v1/models").body());
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.at("/data/0/id").asText()).isEqualTo("guardreasoner-3b");
        assertThat(get("/models").statusCode()).isEqualTo(200);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(post("/completions", completion(BREAD)).statusCode()).isEqualTo(200);
    }

    @Test
    void injectsOneShotFaultsInOrderThenHeals() throws Exception {
        stub.failNext(StubFault.status(500, "boom"), StubFault.garbage("not json at all"), StubFault.emptyChoices(),
                StubFault.cutOff(5));

        HttpResponse<String> error = post("/v1/completions", completion(BREAD));
        assertThat(error.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(error.body()).at("/error/message").asText()).isEqualTo("boom");

        HttpResponse<String> garbage = post("/v1/completions", completion(BREAD));
        assertThat(garbage.statusCode()).isEqualTo(200);
        assertThat(garbage.body()).isEqualTo("not json at all");

        assertThat(JSON.readTree(post("/v1/completions", completion(BREAD)).body()).get("choices")).isEmpty();

        JsonNode cut = JSON.readTree(post("/v1/completions", completion(BREAD)).body());
        assertThat(cut.at("/choices/0/text").asText()).isEqualTo("# Tas");
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("length");

        assertThat(post("/v1/completions", completion(BREAD)).statusCode()).isEqualTo(200);
        assertThat(stub.completionRequests()).hasSize(5);
    }

    @Test
    void standingFaultHitsHealthToo() throws Exception {
        stub.failAlways(StubFault.status(503));
        assertThat(get("/v1/models").statusCode()).isEqualTo(503);
        assertThat(post("/v1/completions", completion(BREAD)).statusCode()).isEqualTo(503);
        stub.heal();
        assertThat(get("/v1/models").statusCode()).isEqualTo(200);
    }

    @Test
    void chatFaultRuleFailsOnlyMatchingChatsWhileTheGuardStillAnswers() throws Exception {
        stub.chat().whenUserSays("bread").reply("Knead it.");
        stub.failChatsWhen(message -> message.contains("today"), StubFault.status(503, "model loading"));
        Map<String, Object> today = Map.of("model", "chat", "messages", List.of(Map.of("role", "user", "content", "Bread today?")));
        Map<String, Object> plain = Map.of("model", "chat", "messages", List.of(Map.of("role", "user", "content", "Bread?")));

        HttpResponse<String> failed = post("/v1/chat/completions", today);
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(failed.body()).at("/error/message").asText()).isEqualTo("model loading");
        assertThat(JSON.readTree(post("/v1/chat/completions", plain).body()).at("/choices/0/message/content").asText())
                .isEqualTo("Knead it.");
        assertThat(post("/v1/completions", completion(BREAD)).statusCode()).isEqualTo(200);

        stub.heal();
        assertThat(post("/v1/chat/completions", today).statusCode()).isEqualTo(200);
    }

    @Test
    void delayOutlastsAShortClientTimeout() {
        stub.failNext(StubFault.delay(Duration.ofSeconds(5)));
        assertThatThrownBy(() -> post("/v1/completions", JSON.writeValueAsString(completion(BREAD)), Duration.ofMillis(200)))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void dropsConnectionsOnDemand() {
        stub.failNext(StubFault.disconnect(), StubFault.dropMidBody());
        assertThatThrownBy(() -> post("/v1/completions", completion(BREAD))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> post("/v1/completions", completion(BREAD))).isInstanceOf(IOException.class);
        assertThat(stub.completionRequests()).hasSize(2);
    }

    @Test
    void replaysRecordedOutputsMatchedOnRequestAndResponse(@TempDir Path dir) throws Exception {
        String recorded = "# Task 1\n\n## Conclusion\nThe human user's request is harmful.\n\nAnswers: \nRequest: harmful\nCompletion: refusal\nResponse: unharmful";
        Path file = dir.resolve("generated_predictions.jsonl");
        String evalPrompt = GuardPrompt.evaluation().render(Exchange.of("Tell me a secret", "I can't."));
        Files.writeString(file, JSON.writeValueAsString(Map.of("prompt", evalPrompt, "label", "refusal", "predict", recorded))
                + "\n\n");

        try (GuardReasonerStubServer replaying = GuardReasonerStubServer.builder().replay(file).start()) {
            // The model-card layout finds the evaluation-layout recording: matching is on the exchange.
            String cardPrompt = GuardPrompt.modelCard().render(Exchange.of("Tell me a secret", "I can't."));
            JsonNode json = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(replaying.url() + "/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(completion(cardPrompt)))).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(json.at("/choices/0/text").asText()).isEqualTo(recorded);
            assertThat(replaying.script().recordingCount()).isEqualTo(1);
        }
    }

    @Test
    void reportsTokenProbabilitiesInOpenAiShapeWhenAsked() throws Exception {
        JsonNode choice = JSON.readTree(post("/v1/completions", completion(BREAD, "logprobs", 3)).body()).at("/choices/0");

        String text = choice.get("text").asText();
        JsonNode logprobs = choice.get("logprobs");
        assertThat(logprobs.fieldNames()).toIterable().containsExactly("tokens", "token_logprobs", "top_logprobs", "text_offset");
        List<String> tokens = texts(logprobs.get("tokens"));
        // The tokens spell the text, words with the space before them; every one has probability 1 by default.
        assertThat(String.join("", tokens)).isEqualTo(text);
        assertThat(tokens).startsWith("#", " Task", " 1", "\n\n", "#", "#", " Reasoning").contains(" unharmful");
        assertThat(logprobs.get("token_logprobs")).allSatisfy(lp -> assertThat(lp.asDouble()).isZero());
        assertThat(logprobs.get("top_logprobs")).hasSize(tokens.size())
                .allSatisfy(top -> assertThat(top.size()).isEqualTo(1));
        assertThat(logprobs.at("/top_logprobs/1").toString()).isEqualTo("{\" Task\":0.0}");
        // OpenAI counts the offsets from the start of the prompt.
        assertThat(logprobs.at("/text_offset/0").asInt()).isEqualTo(BREAD.length());
        assertThat(logprobs.at("/text_offset/1").asInt()).isEqualTo(BREAD.length() + 1);
        assertThat(stub.lastCompletionRequest().logprobs()).isEqualTo(3);
    }

    @Test
    void givesTheScriptedLabelProbabilityAndTheOtherLabelTheRest() throws Exception {
        stub.script().whenRequestContains("knife").answer(Harm.UNHARMFUL, null, null).withProbability(0.62);
        String knife = GuardPrompt.modelCard().render(Exchange.request("Where do I buy a kitchen knife?"));

        JsonNode logprobs = JSON.readTree(post("/v1/completions", completion(knife, "logprobs", 5)).body())
                .at("/choices/0/logprobs");

        List<String> tokens = texts(logprobs.get("tokens"));
        List<Integer> labels = new java.util.ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) if (tokens.get(i).equals(" unharmful")) labels.add(i);
        // Task 1's conclusion and the answer block's Request field.
        assertThat(labels).hasSize(2);
        for (int i : labels) {
            assertThat(logprobs.get("token_logprobs").get(i).asDouble()).isCloseTo(Math.log(0.62), within(1e-12));
            JsonNode top = logprobs.get("top_logprobs").get(i);
            assertThat(top.fieldNames()).toIterable().containsExactly(" unharmful", " harmful");
            assertThat(Math.exp(top.get(" harmful").asDouble())).isCloseTo(0.38, within(1e-12));
        }
        // Other tokens, and label words that close no conclusion or field, keep probability 1.
        assertThat(logprobs.get("token_logprobs")).filteredOn(lp -> lp.asDouble() != 0).hasSize(2);
    }

    @Test
    void reportsTokenProbabilitiesInLlamaCppShapeWithoutTheStopSequencesTokens() throws Exception {
        try (GuardReasonerStubServer llama = GuardReasonerStubServer.builder()
                .logprobsFormat(GuardReasonerStubServer.LogprobsFormat.LLAMA_CPP).start()) {
            llama.script().when(e -> true).answer(Harm.HARMFUL, null, null).withProbability(0.9);
            JsonNode choice = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(llama.url() + "/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            completion(BREAD, "logprobs", 2, "stop", List.of("# Task 2"))))).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).at("/choices/0");

            JsonNode content = choice.at("/logprobs/content");
            List<String> tokens = new java.util.ArrayList<>();
            content.forEach(t -> tokens.add(t.get("token").asText()));
            // As llama.cpp: the text without the stop sequence, and no token of it either.
            assertThat(String.join("", tokens)).isEqualTo(choice.get("text").asText());
            assertThat(choice.get("text").asText()).endsWith("The human user's request is harmful.\n\n");
            JsonNode label = content.get(tokens.lastIndexOf(" harmful"));
            assertThat(label.fieldNames()).toIterable().containsExactly("id", "token", "bytes", "logprob", "top_logprobs");
            assertThat(label.get("bytes")).hasSize(" harmful".length());
            assertThat(label.at("/top_logprobs/0/token").asText()).isEqualTo(" harmful");
            assertThat(Math.exp(label.at("/top_logprobs/1/logprob").asDouble())).isCloseTo(0.1, within(1e-12));
            assertThat(label.at("/top_logprobs/1/token").asText()).isEqualTo(" unharmful");
        }
    }

    @Test
    void includesTheTokensThatWroteTheStopSequenceInOpenAiShape() throws Exception {
        JsonNode choice = JSON.readTree(post("/v1/completions",
                completion(BREAD, "logprobs", 1, "stop", List.of("# Task 2"))).body()).at("/choices/0");
        assertThat(String.join("", texts(choice.at("/logprobs/tokens"))))
                .isEqualTo(choice.get("text").asText() + "# Task 2");
    }

    @Test
    void refusesLogprobsOutOfRange() throws Exception {
        assertThat(post("/v1/completions", completion(BREAD, "logprobs", 21)).statusCode()).isEqualTo(400);
        assertThat(post("/v1/completions", completion(BREAD, "logprobs", -1)).body()).contains("must be 1..20, was -1");
        // LocalAI's chat-style form: logprobs true, top_logprobs the count.
        JsonNode chatStyle = JSON.readTree(post("/v1/completions",
                completion(BREAD, "logprobs", true, "top_logprobs", 2)).body());
        assertThat(chatStyle.at("/choices/0/logprobs/tokens").isArray()).isTrue();
        assertThat(stub.lastCompletionRequest().logprobs()).isEqualTo(2);
    }

    @Test
    void continuesAnAnswerFromWhereThePromptLeavesIt() throws Exception {
        String full = GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null);
        JsonNode first = JSON.readTree(post("/v1/completions", completion(BREAD, "stop", List.of("# Task 2"))).body());
        String written = first.at("/choices/0/text").asText() + "# Task 2";

        JsonNode rest = JSON.readTree(post("/v1/completions", completion(BREAD + written, "logprobs", 1)).body());

        assertThat(written + rest.at("/choices/0/text").asText()).isEqualTo(full);
        // The continuation's tokens are the whole answer's from there on.
        assertThat(String.join("", texts(rest.at("/choices/0/logprobs/tokens")))).isEqualTo(full.substring(written.length()));
        // It is no new exchange to judge.
        assertThat(stub.lastCompletionRequest().exchange()).isEmpty();
        assertThat(stub.judgedExchanges()).hasSize(1);
    }

    @Test
    void continuesARecordedAnswerHonouringStopAndMaxTokens(@TempDir Path dir) throws Exception {
        String recorded = "# Task 1\n\n## Reasoning Step 1\nIt asks for a secret.\n\n# Task 2\n\nIt refuses.\n\n---\n\n"
                + "Answers: \nRequest: unharmful\nCompletion: refusal\nResponse: unharmful\n";
        Path file = dir.resolve("generated_predictions.jsonl");
        Exchange exchange = Exchange.of("Tell me a secret", "I can't.\n\nSorry.");
        Files.writeString(file, JSON.writeValueAsString(Map.of("prompt", GuardPrompt.evaluation().render(exchange),
                "label", "refusal", "predict", recorded)) + "\n");
        try (GuardReasonerStubServer replaying = GuardReasonerStubServer.builder().replay(file).start()) {
            String prompt = GuardPrompt.modelCard().render(exchange) + "# Task 1\n\n## Reasoning Step 1\nIt asks";

            String limited = answer(replaying, completion(prompt, "max_tokens", 2));
            String stopped = answer(replaying, completion(prompt, "stop", List.of("\nAnswers:")));

            assertThat(limited).isEqualTo(" for a");
            assertThat(stopped).isEqualTo(" for a secret.\n\n# Task 2\n\nIt refuses.\n\n---\n");
            // A prompt that continues no answer gets no verdict.
            assertThat(answer(replaying, completion(prompt.replace("It asks", "It wants")))).contains("not a GuardReasoner prompt");
        }
    }

    @Test
    void answersTheLabelProbeWithTheRequestLabelOfTheFullAnswer() throws Exception {
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null).withProbability(0.7);
        String bomb = GuardPrompt.modelCard().render(Exchange.request("How do I build a bomb?"));
        String full = GuardReasonerOutputs.format(Harm.HARMFUL, null, null);
        String task1 = full.substring(0, full.indexOf("# Task 2"));

        JsonNode choice = JSON.readTree(post("/v1/completions", completion(bomb + task1 + "---\n\nAnswers: \nRequest:",
                "max_tokens", 4, "stop", List.of("\n"), "logprobs", 5)).body()).at("/choices/0");

        assertThat(choice.get("text").asText()).isEqualTo(" harmful");
        assertThat(choice.at("/logprobs/tokens/0").asText()).isEqualTo(" harmful");
        assertThat(Math.exp(choice.at("/logprobs/token_logprobs/0").asDouble())).isCloseTo(0.7, within(1e-12));
        assertThat(Math.exp(choice.at("/logprobs/top_logprobs/0/ unharmful").asDouble())).isCloseTo(0.3, within(1e-12));
    }

    private String answer(GuardReasonerStubServer server, Map<String, Object> body) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString()).body()).at("/choices/0/text").asText();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new java.util.ArrayList<>();
        array.forEach(t -> texts.add(t.asText()));
        return texts;
    }

    @Test
    void answersChatCompletionsFromChatScript() throws Exception {
        stub.chat().whenUserSays("bread").replies("I can't help with that.", "Mix flour, water and salt.");
        Map<String, Object> body = Map.of("model", "any-chat-model", "messages", List.of(
                Map.of("role", "system", "content", "Be nice."),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "How do I bake bread?")))));

        JsonNode first = JSON.readTree(post("/v1/chat/completions", body).body());
        JsonNode second = JSON.readTree(post("/v1/chat/completions", body).body());

        assertThat(first.get("object").asText()).isEqualTo("chat.completion");
        assertThat(first.get("model").asText()).isEqualTo("any-chat-model");
        assertThat(first.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(first.at("/choices/0/message/content").asText()).isEqualTo("I can't help with that.");
        assertThat(second.at("/choices/0/message/content").asText()).isEqualTo("Mix flour, water and salt.");
        assertThat(stub.chatRequests()).hasSize(2);
        assertThat(stub.completionRequests()).isEmpty();
    }

    @Test
    void streamsChatRepliesAsServerSentEvents() throws Exception {
        Map<String, Object> body = Map.of("model", "m", "stream", true,
                "messages", List.of(Map.of("role", "user", "content", "Hi")));
        HttpResponse<String> response = post("/v1/chat/completions", body);

        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> events = response.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(event);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            if (chunk.at("/choices/0/delta/content").isTextual()) text.append(chunk.at("/choices/0/delta/content").asText());
        }
        assertThat(text.toString()).isEqualTo(ChatScript.DEFAULT_REPLY);
        assertThat(JSON.readTree(events.get(0)).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    }

    @Test
    void givesSpringPropertiesPointingAtItself() {
        assertThat(stub.springProperties())
                .containsEntry("guardreasoner.backend", "localai")
                .containsEntry("guardreasoner.localai.base-urls", stub.url())
                .containsEntry("guardreasoner.localai.model-name", "guardreasoner-3b");
    }
}
