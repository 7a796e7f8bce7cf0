package io.guardreasoner.localai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.internal.Exceptions;
import io.guardreasoner.core.internal.StopSequences;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The two calls of the OpenAI-compatible API the backend makes ({@code POST /completions}, {@code GET /models}),
 * on one JDK HTTP client, with every failure sorted into "try the next server" or not.
 */
final class CompletionsClient implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LocalAiBackend.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 300;

    private final HttpClient http;
    private final boolean logRequests;
    private final boolean logResponses;

    CompletionsClient(Duration connectTimeout, boolean logRequests, boolean logResponses) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.logRequests = logRequests;
        this.logResponses = logResponses;
    }

    /**
     * A completion request: greedy, no streaming, the caller's limit and stop sequences, and {@code logprobs} likeliest
     * tokens per position when above 0.
     */
    record Request(String model, String prompt, int maxTokens, List<String> stop, int logprobs) {

        /**
         * The JSON body: LangChain4j's {@code LocalAiLanguageModel}'s fields plus {@code stop}; with token
         * probabilities asked for, OpenAI's {@code "logprobs": k} (which vLLM and llama.cpp's server read as the
         * number of alternatives) and {@code "top_logprobs": k} (which LocalAI reads as that number, taking
         * {@code logprobs} as a switch; the others ignore it).
         */
        String toJson() {
            ObjectNode body = JSON.createObjectNode();
            body.put("model", model);
            body.put("prompt", prompt);
            body.put("max_tokens", maxTokens);
            body.put("temperature", 0.0);
            body.put("stream", false);
            if (!stop.isEmpty()) body.putPOJO("stop", stop);
            if (logprobs > 0) {
                body.put("logprobs", logprobs);
                body.put("top_logprobs", logprobs);
            }
            try {
                return JSON.writeValueAsString(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write a completion request", e);
            }
        }
    }

    /**
     * The first choice of a completion reply, the token usage when the server reported it, the tokens with their
     * probabilities as it sent them (empty when it sent none), and the stop sequence vLLM names in
     * {@code stop_reason} (null when the server named none).
     */
    record Reply(String text, String finishReason, OptionalInt promptTokens, OptionalInt completionTokens,
                 List<GeneratedToken> tokens, String stopReason) {

        Reply(String text, String finishReason, OptionalInt promptTokens, OptionalInt completionTokens) {
            this(text, finishReason, promptTokens, completionTokens, List.of(), null);
        }

        /**
         * The generation this reply stands for, with OpenAI's finish reason mapped to the library's.
         *
         * <p>A stop sequence in the text (a server that ignored {@code stop}) cuts it there, and {@code cut} is the
         * text from the stop sequence on. A server that stopped on a stop sequence returns the text without it; then
         * {@code cut} is that stop sequence, so that {@code text + cut} is what the model wrote and a continuation
         * goes on from there. When several were sent, which one: the one vLLM names in {@code stop_reason}, or the
         * one the tokens spell right after the text; else none ({@code cut} empty: a continuation lets the model write
         * it again).
         *
         * <p>The tokens kept are those that spell the text from its start, up to the end of the stop sequence at the
         * most: none when they do not line up with the text (never a guess).
         */
        Generation toGeneration(GenerationOptions options) {
            List<String> stops = options.stopSequences();
            int at = StopSequences.find(text, stops, 0);
            if (at >= 0) {
                int end = at + shortestStopAt(text, at, stops).length(); // where the model would have stopped
                return new Generation(text.substring(0, at), promptTokens, completionTokens,
                        Generation.FinishReason.STOP_SEQUENCE, text.substring(at), Logprobs.spelling(tokens, text, end));
            }
            Generation.FinishReason reason = finishReason(finishReason, !stops.isEmpty());
            if ("stop".equals(finishReason) && completionTokens.isPresent()
                    && completionTokens.getAsInt() >= options.maxTokens()) {
                reason = Generation.FinishReason.LENGTH; // LocalAI says "stop" for every completion, a full one too
            }
            String cut = reason == Generation.FinishReason.STOP_SEQUENCE ? stopWritten(stops) : "";
            String written = text + cut;
            return new Generation(text, promptTokens, completionTokens, reason, cut,
                    Logprobs.spelling(tokens, written, written.length()));
        }

        /**
         * The stop sequence a server-side stop ended on: the one vLLM names in {@code stop_reason}, else the one the
         * tokens spell right after the text (vLLM and OpenAI report the tokens that wrote it), else the only one
         * sent, else none.
         */
        private String stopWritten(List<String> stops) {
            if (stopReason != null && stops.contains(stopReason)) return stopReason;
            String spelled = Logprobs.join(tokens);
            if (spelled.length() > text.length() && spelled.startsWith(text)) {
                String stop = shortestStopAt(spelled, text.length(), stops);
                if (!stop.isEmpty()) return stop;
            }
            return stops.size() == 1 ? stops.get(0) : "";
        }

        /** The shortest non-empty stop sequence that starts at {@code at} (the one that ends first), or "". */
        private static String shortestStopAt(String text, int at, List<String> stops) {
            String found = "";
            for (String stop : stops) {
                if (!stop.isEmpty() && text.startsWith(stop, at) && (found.isEmpty() || stop.length() < found.length())) {
                    found = stop;
                }
            }
            return found;
        }

        /**
         * OpenAI's "stop" means either end of text or a stop sequence. With a stop sequence sent, it almost surely was
         * the sequence: GuardReasoner writes every task header before its end of text.
         */
        private static Generation.FinishReason finishReason(String reason, boolean stopsSent) {
            if (reason == null) return Generation.FinishReason.UNKNOWN;
            return switch (reason) {
                case "length" -> Generation.FinishReason.LENGTH;
                case "stop" -> stopsSent ? Generation.FinishReason.STOP_SEQUENCE : Generation.FinishReason.END_OF_TEXT;
                case "eos" -> Generation.FinishReason.END_OF_TEXT;
                default -> Generation.FinishReason.UNKNOWN;
            };
        }
    }

    /** What went wrong at one endpoint, and whether the next endpoint should be tried. */
    static final class EndpointFailure extends RuntimeException {
        private final boolean tryNext;

        EndpointFailure(String message, Throwable cause, boolean tryNext) {
            super(message, cause, false, false);
            this.tryNext = tryNext;
        }

        boolean tryNext() {
            return tryNext;
        }
    }

    /** {@code POST {baseUrl}/completions}, waiting at most {@code timeout} for the whole reply. */
    Reply complete(String baseUrl, Request request, Duration timeout) {
        String body = request.toJson();
        if (logRequests) LOG.log(System.Logger.Level.INFO, "LocalAI request to {0}/completions: {1}", baseUrl, body);
        HttpRequest http = HttpRequest.newBuilder(URI.create(baseUrl + "/completions"))
                .timeout(positive(timeout))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        String reply = send(baseUrl, http, timeout);
        if (logResponses) LOG.log(System.Logger.Level.INFO, "LocalAI reply from {0}/completions: {1}", baseUrl, reply);
        return reply(baseUrl, request.model(), reply);
    }

    /** Reads a completion reply body; what is not an OpenAI completion is an {@link EndpointFailure}. */
    static Reply reply(String baseUrl, String model, String body) {
        JsonNode root = readJson(baseUrl, body);
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new EndpointFailure("LocalAI at " + baseUrl + " replied without any choice; is model '"
                    + model + "' a completion model?", null, true);
        }
        JsonNode choice = choices.get(0);
        if (!choice.path("text").isTextual()) {
            throw new EndpointFailure("LocalAI at " + baseUrl + " replied with a choice that has no text", null, true);
        }
        JsonNode usage = root.path("usage");
        String finish = choice.path("finish_reason").isTextual() ? choice.path("finish_reason").asText() : null;
        String stopReason = choice.path("stop_reason").isTextual() ? choice.path("stop_reason").asText() : null;
        return new Reply(choice.path("text").asText(), finish, count(usage, "prompt_tokens"),
                count(usage, "completion_tokens"), Logprobs.read(choice.get("logprobs")), stopReason);
    }

    /** {@code GET {baseUrl}/models}: the ids the server lists. */
    List<String> models(String baseUrl, Duration timeout) {
        HttpRequest http = HttpRequest.newBuilder(URI.create(baseUrl + "/models"))
                .timeout(positive(timeout))
                .header("Accept", "application/json")
                .GET()
                .build();
        JsonNode data = readJson(baseUrl, send(baseUrl, http, timeout)).path("data");
        List<String> ids = new ArrayList<>();
        for (JsonNode model : data) {
            if (model.path("id").isTextual()) ids.add(model.path("id").asText());
        }
        return ids;
    }

    /** Sends and reads the whole body within {@code timeout}; a non-2xx status is a failure. */
    private String send(String baseUrl, HttpRequest request, Duration timeout) {
        CompletableFuture<HttpResponse<String>> call =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            // The request timeout covers the headers only; this bounds the body too (a server may drip it).
            response = call.get(positive(timeout).toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new EndpointFailure("LocalAI at " + baseUrl + " did not answer in time: TimeoutException, no complete reply "
                    + "within " + timeout.toMillis() + " ms (raise the backend timeout, or use a faster model)", e, false);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new EndpointFailure("interrupted while waiting for LocalAI at " + baseUrl, e, false);
        } catch (ExecutionException e) {
            throw classify(baseUrl, e.getCause() == null ? e : e.getCause());
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            String what = "LocalAI at " + baseUrl + " answered HTTP " + status + ": " + shorten(errorMessage(response.body()));
            if (status == 404) what += " (check the model name and that the base URL ends in /v1)";
            throw new EndpointFailure(what, null, status >= 500);
        }
        return response.body();
    }

    private static EndpointFailure classify(String baseUrl, Throwable e) {
        if (Exceptions.find(e, HttpConnectTimeoutException.class) != null) {
            return new EndpointFailure("LocalAI at " + baseUrl + " could not be reached: connect timed out", e, true);
        }
        if (Exceptions.find(e, HttpTimeoutException.class) != null) {
            return new EndpointFailure("LocalAI at " + baseUrl + " did not answer in time: " + describe(e)
                    + " (raise the backend timeout, or use a faster model)", e, false);
        }
        if (Exceptions.find(e, InterruptedException.class) != null) {
            Thread.currentThread().interrupt();
            return new EndpointFailure("interrupted while waiting for LocalAI at " + baseUrl, e, false);
        }
        if (Exceptions.find(e, ConnectException.class) != null || Exceptions.find(e, IOException.class) != null) {
            return new EndpointFailure("LocalAI at " + baseUrl + " could not be reached: " + describe(e), e, true);
        }
        return new EndpointFailure("LocalAI at " + baseUrl + " failed: " + describe(e), e, true);
    }

    private static JsonNode readJson(String baseUrl, String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) throw new IOException("not a JSON object: " + shorten(body));
            return node;
        } catch (IOException e) {
            throw new EndpointFailure("LocalAI at " + baseUrl + " sent a reply that is not an OpenAI completion: "
                    + describe(e), e, true);
        }
    }

    private static OptionalInt count(JsonNode usage, String field) {
        JsonNode n = usage.path(field);
        return n.canConvertToInt() && n.isNumber() ? OptionalInt.of(n.asInt()) : OptionalInt.empty();
    }

    /** The {@code error.message} of an OpenAI/LocalAI error body, or the body itself. */
    private static String errorMessage(String body) {
        if (body == null) return "";
        try {
            JsonNode message = JSON.readTree(body).path("error").path("message");
            return message.isTextual() && !message.asText().isBlank() ? message.asText() : body;
        } catch (IOException | RuntimeException e) {
            return body;
        }
    }

    private static String describe(Throwable e) {
        Throwable root = Exceptions.rootCause(e);
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + shorten(message));
    }

    private static String shorten(String text) {
        if (text == null) return "";
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_BODY_IN_MESSAGE ? oneLine : oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    private static Duration positive(Duration d) {
        return d.isZero() || d.isNegative() ? Duration.ofMillis(1) : d;
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
