package io.guardreasoner.test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.Exchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request the stub server received, as it arrived.
 *
 * @param method   the HTTP method
 * @param path     the request path, e.g. {@code /v1/completions}
 * @param headers  the request headers, names in lower case
 * @param body     the raw body bytes
 * @param exchange for a completion request, the human request and AI response parsed out of its prompt
 */
public record StubRequest(String method, String path, Map<String, List<String>> headers, byte[] body,
                          Optional<Exchange> exchange) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public StubRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = Map.copyOf(headers);
        body = body.clone();
        Objects.requireNonNull(exchange, "exchange");
    }

    /** The raw body bytes (a copy). */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The first value of a header, when present. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** True for {@code POST .../completions} (not chat). */
    public boolean isCompletion() {
        return method.equals("POST") && path.endsWith("/completions") && !path.endsWith("/chat/completions");
    }

    /** True for {@code POST .../chat/completions}. */
    public boolean isChat() {
        return method.equals("POST") && path.endsWith("/chat/completions");
    }

    /** The body as a JSON object, keys in the order sent; fails when the body is not a JSON object. */
    public Map<String, Object> json() {
        return JSON.convertValue(tree(), new TypeReference<java.util.LinkedHashMap<String, Object>>() { });
    }

    /** The {@code model} field, or null. */
    public String model() {
        return textOrNull(tree().get("model"));
    }

    /** The {@code prompt} field when it is one string, or null. */
    public String prompt() {
        return textOrNull(tree().get("prompt"));
    }

    /** The {@code max_tokens} field, or null. */
    public Integer maxTokens() {
        JsonNode n = tree().get("max_tokens");
        return n == null || n.isNull() ? null : n.asInt();
    }

    /** The {@code temperature} field, or null. */
    public Double temperature() {
        JsonNode n = tree().get("temperature");
        return n == null || n.isNull() ? null : n.asDouble();
    }

    /**
     * How many likeliest tokens per position the request asked for: {@code logprobs} when it is a number (OpenAI's
     * completions API), or {@code top_logprobs} (else 1) when {@code logprobs} is {@code true} (the chat API's form,
     * which LocalAI takes on completions too); null when it asked for none.
     */
    public Integer logprobs() {
        return logprobs(tree());
    }

    static Integer logprobs(JsonNode body) {
        JsonNode n = body.get("logprobs");
        if (n == null || n.isNull() || (n.isBoolean() && !n.asBoolean())) return null;
        if (n.isBoolean()) {
            JsonNode top = body.get("top_logprobs");
            return top != null && top.isNumber() ? top.asInt() : 1;
        }
        return n.asInt();
    }

    /** The {@code stop} field as a list (one string becomes a list of one); empty when absent. */
    public List<String> stop() {
        return stringList(tree().get("stop"));
    }

    static List<String> stringList(JsonNode n) {
        if (n == null || n.isNull()) return List.of();
        if (n.isTextual()) return List.of(n.asText());
        List<String> out = new ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return List.copyOf(out);
    }

    private JsonNode tree() {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) throw new IllegalStateException("the body is not a JSON object: " + bodyText());
            return node;
        } catch (IOException e) {
            throw new IllegalStateException("the body is not JSON: " + bodyText(), e);
        }
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    @Override
    public String toString() {
        return method + " " + path + " " + bodyText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StubRequest r && method.equals(r.method) && path.equals(r.path)
                && headers.equals(r.headers) && java.util.Arrays.equals(body, r.body) && exchange.equals(r.exchange);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, path, headers, java.util.Arrays.hashCode(body), exchange);
    }
}
