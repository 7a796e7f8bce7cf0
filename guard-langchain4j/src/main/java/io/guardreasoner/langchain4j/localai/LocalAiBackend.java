package io.guardreasoner.langchain4j.localai;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.localai.LocalAiLanguageModel;
import dev.langchain4j.model.openai.internal.OpenAiClient;
import dev.langchain4j.model.openai.internal.completion.CompletionChoice;
import dev.langchain4j.model.openai.internal.completion.CompletionRequest;
import dev.langchain4j.model.openai.internal.completion.CompletionResponse;
import dev.langchain4j.model.openai.internal.models.ModelsListResponse;
import dev.langchain4j.model.openai.internal.models.OpenAiModelInfo;
import dev.langchain4j.model.openai.internal.shared.Usage;
import io.guardreasoner.core.Durations;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A {@link GuardBackend} that asks a LocalAI server (or any OpenAI-compatible server) for a raw-text completion at
 * {@code {baseUrl}/completions}: greedy ({@code temperature} 0), no chat template, the caller's token limit and stop
 * sequences, no hidden retries.
 *
 * <p>With several base URLs, calls are spread round-robin; a call that meets a connection error, an HTTP 5xx or an
 * unreadable reply moves on to the next URL, until one answers or all have failed. A server that failed is tried
 * last for a {@linkplain Builder#cooldown cooldown}, so a dead one does not slow every call down. A 4xx (e.g. an unknown model
 * name) or a timeout is not retried elsewhere: the next server would most likely answer the same, and a timeout has
 * already spent the caller's time.
 *
 * <p>It talks through the OpenAI-compatible client that LangChain4j's {@link LocalAiLanguageModel} is built on,
 * with the same request type and JSON, so the bytes on the wire are those of {@code LocalAiLanguageModel}. It does not
 * call {@code LocalAiLanguageModel} itself because that model (1.10.0-beta18) sends no {@code stop}, fixes
 * {@code max_tokens} when it is built rather than per call, drops the token usage and fails with an
 * {@code IndexOutOfBoundsException} on an empty {@code choices} array; it also defaults to temperature 0.7 and
 * three silent retries, where a guard needs 0 and 0.
 *
 * <pre>{@code
 * GuardBackend backend = LocalAiBackend.builder()
 *         .baseUrls(List.of("http://gpu-1:8080/v1", "http://gpu-2:8080/v1"))
 *         .modelName("guardreasoner-3b")
 *         .timeout(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class LocalAiBackend implements GuardBackend {

    /** The model name asked for unless told otherwise; the name in the README's LocalAI model YAML. */
    public static final String DEFAULT_MODEL_NAME = "guardreasoner-3b";

    /** How long one HTTP call may take unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** How long a server that failed is tried only after the others, unless told otherwise. */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(10);

    /** How long opening a connection may take unless told otherwise: a down server should fail over fast. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final int MAX_BODY_IN_MESSAGE = 300;
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

    private final List<Endpoint> endpoints;
    private final String modelName;
    private final String modelId;
    private final Duration timeout;
    private final Duration cooldown;
    private final LongSupplier ticker;
    private final AtomicInteger next = new AtomicInteger();
    private final ClosableJdkHttpClients httpClients = new ClosableJdkHttpClients();

    private LocalAiBackend(Builder b) {
        if (b.baseUrls.isEmpty()) {
            throw new IllegalArgumentException("LocalAiBackend needs a base URL: builder().baseUrl(\"http://localhost:8080/v1\")");
        }
        this.modelName = b.modelName;
        this.modelId = b.modelId == null ? modelName : b.modelId;
        this.timeout = b.timeout;
        this.cooldown = b.cooldown;
        this.ticker = b.ticker;
        List<Endpoint> list = new ArrayList<>();
        for (String url : b.baseUrls) {
            OpenAiClient client = OpenAiClient.builder()
                    .httpClientBuilder(httpClients.builder(min(b.connectTimeout, b.timeout), b.timeout))
                    .baseUrl(url)
                    .connectTimeout(min(b.connectTimeout, b.timeout))
                    .readTimeout(b.timeout)
                    .logRequests(b.logRequests)
                    .logResponses(b.logResponses)
                    .build();
            // Health checks get their own client with a short read timeout: a probe must not hang for a minute.
            Duration probe = min(HEALTH_TIMEOUT, b.timeout);
            OpenAiClient healthClient = OpenAiClient.builder()
                    .httpClientBuilder(httpClients.builder(min(b.connectTimeout, probe), probe))
                    .baseUrl(url)
                    .connectTimeout(min(b.connectTimeout, probe))
                    .readTimeout(probe)
                    .build();
            list.add(new Endpoint(url, client, healthClient, new AtomicLong()));
        }
        this.endpoints = List.copyOf(list);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        CompletionRequest request = CompletionRequest.builder()
                .model(modelName)
                .prompt(prompt)
                .maxTokens(options.maxTokens())
                .temperature(0.0)
                .stop(options.stopSequences().isEmpty() ? null : options.stopSequences())
                .build();
        List<Endpoint> order = callOrder();
        List<String> failures = new ArrayList<>();
        GuardBackendException last = null;
        for (Endpoint endpoint : order) {
            if (options.expired()) {
                throw failure(failures, "the deadline passed before " + endpoint.url + " was tried", last);
            }
            try {
                Generation generation = endpoint.complete(request, options);
                endpoint.downUntil.set(0);
                return generation;
            } catch (EndpointFailure f) {
                last = new GuardBackendException(f.getMessage(), f.getCause());
                failures.add(f.getMessage());
                if (!f.tryNext) throw last;
                endpoint.downUntil.set(ticker.getAsLong() + cooldown.toNanos());
            }
        }
        throw failure(failures, null, last);
    }

    /**
     * The next endpoint in round-robin order first, then the others in turn; endpoints that failed within the
     * cooldown go last, so they are only tried when every other one fails too.
     */
    private List<Endpoint> callOrder() {
        int start = Math.floorMod(next.getAndIncrement(), endpoints.size());
        long now = ticker.getAsLong();
        List<Endpoint> ready = new ArrayList<>(endpoints.size());
        List<Endpoint> cooling = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get((start + i) % endpoints.size());
            long downUntil = e.downUntil.get();
            if (downUntil != 0 && now - downUntil < 0) cooling.add(e);
            else ready.add(e);
        }
        ready.addAll(cooling);
        return ready;
    }

    private GuardBackendException failure(List<String> failures, String extra, GuardBackendException last) {
        if (failures.size() == 1 && extra == null) return last;
        StringBuilder message = new StringBuilder();
        if (failures.isEmpty()) {
            message.append("LocalAI: ").append(extra);
        } else {
            message.append("every LocalAI endpoint tried failed (").append(failures.size()).append(" of ")
                    .append(endpoints.size()).append("): ").append(String.join("; ", failures));
            if (extra != null) message.append("; then ").append(extra);
        }
        return new GuardBackendException(message.toString(), last == null ? null : last.getCause());
    }

    /**
     * Up when at least one endpoint answers {@code GET {baseUrl}/models} (within 5 s) and lists the model name; the
     * detail names each endpoint's state.
     */
    @Override
    public Health health() {
        List<String> details = new ArrayList<>();
        boolean up = false;
        for (Endpoint endpoint : endpoints) {
            String state;
            try {
                ModelsListResponse models = endpoint.healthClient.listModels().execute();
                List<String> ids = models == null || models.getData() == null ? List.of()
                        : models.getData().stream().map(OpenAiModelInfo::id).toList();
                if (ids.contains(modelName)) {
                    up = true;
                    state = "up";
                } else {
                    state = "reachable, but it does not serve model '" + modelName + "' (it lists " + ids + ")";
                }
            } catch (RuntimeException e) {
                state = "down: " + describe(e);
            }
            details.add(endpoint.url + " " + state);
        }
        return new Health(up, String.join("; ", details));
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String name() {
        return "localai";
    }

    /** The base URLs in use, normalised to end in {@code /v1} (or the path given). */
    public List<String> baseUrls() {
        return endpoints.stream().map(e -> e.url).toList();
    }

    /** The model name sent with every request. */
    public String modelName() {
        return modelName;
    }

    /** How long one HTTP call may take. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "LocalAiBackend[" + String.join(", ", baseUrls()) + ", model " + modelName + "]";
    }

    /** One server: its normalised base URL and client. */
    /** Closes the HTTP clients: their selector threads and pooled connections end now, not at garbage collection. */
    @Override
    public void close() {
        httpClients.close();
    }

    private record Endpoint(String url, OpenAiClient client, OpenAiClient healthClient, AtomicLong downUntil) {

        Generation complete(CompletionRequest request, GenerationOptions options) {
            CompletionResponse response;
            try {
                response = client.completion(request).execute();
            } catch (RuntimeException e) {
                throw classify(url, e);
            }
            if (response == null || response.choices() == null || response.choices().isEmpty()) {
                throw new EndpointFailure("LocalAI at " + url + " replied without any choice; is model '"
                        + request.model() + "' a completion model?", null, true);
            }
            CompletionChoice choice = response.choices().get(0);
            if (choice.text() == null) {
                throw new EndpointFailure("LocalAI at " + url + " replied with a choice that has no text", null, true);
            }
            return toGeneration(choice, response.usage(), options);
        }
    }

    static Generation toGeneration(CompletionChoice choice, Usage usage, GenerationOptions options) {
        String text = choice.text();
        Generation.FinishReason reason = finishReason(choice.finishReason(), !options.stopSequences().isEmpty());
        // A server that ignored "stop" still must not hand us the text after it.
        int cut = -1;
        for (String stop : options.stopSequences()) {
            int i = text.indexOf(stop);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            text = text.substring(0, cut);
            reason = Generation.FinishReason.STOP_SEQUENCE;
        }
        OptionalInt promptTokens = usage == null || usage.promptTokens() == null
                ? OptionalInt.empty() : OptionalInt.of(usage.promptTokens());
        OptionalInt generated = usage == null || usage.completionTokens() == null
                ? OptionalInt.empty() : OptionalInt.of(usage.completionTokens());
        return new Generation(text, promptTokens, generated, reason);
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

    private static EndpointFailure classify(String url, RuntimeException e) {
        HttpException http = find(e, HttpException.class);
        if (http != null) {
            int status = http.statusCode();
            String what = "LocalAI at " + url + " answered HTTP " + status + ": " + shorten(errorMessage(http.getMessage()));
            if (status == 404) what += " (check the model name and that the base URL ends in /v1)";
            return new EndpointFailure(what, e, status >= 500);
        }
        if (find(e, java.net.http.HttpConnectTimeoutException.class) != null) {
            return new EndpointFailure("LocalAI at " + url + " could not be reached: connect timed out", e, true);
        }
        if (find(e, dev.langchain4j.exception.TimeoutException.class) != null
                || find(e, java.net.http.HttpTimeoutException.class) != null) {
            return new EndpointFailure("LocalAI at " + url + " did not answer in time: " + describe(e)
                    + " (raise the backend timeout, or use a faster model)", e, false);
        }
        if (find(e, InterruptedException.class) != null) {
            Thread.currentThread().interrupt();
            return new EndpointFailure("interrupted while waiting for LocalAI at " + url, e, false);
        }
        if (find(e, com.fasterxml.jackson.core.JsonProcessingException.class) != null) {
            return new EndpointFailure("LocalAI at " + url + " sent a reply that is not an OpenAI completion: "
                    + describe(e), e, true);
        }
        if (find(e, java.io.IOException.class) != null) {
            return new EndpointFailure("LocalAI at " + url + " could not be reached: " + describe(e), e, true);
        }
        return new EndpointFailure("LocalAI at " + url + " failed: " + describe(e), e, true);
    }

    /** The {@code error.message} of an OpenAI/LocalAI error body, or the body itself. */
    private static String errorMessage(String body) {
        if (body == null) return "";
        try {
            com.fasterxml.jackson.databind.JsonNode message = ERROR_READER.readTree(body).path("error").path("message");
            return message.isTextual() && !message.asText().isBlank() ? message.asText() : body;
        } catch (java.io.IOException | RuntimeException e) {
            return body;
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper ERROR_READER = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + shorten(message));
    }

    private static String shorten(String text) {
        if (text == null) return "";
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_BODY_IN_MESSAGE ? oneLine : oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** What went wrong at one endpoint, and whether the next endpoint should be tried. */
    private static final class EndpointFailure extends RuntimeException {
        final boolean tryNext;

        EndpointFailure(String message, Throwable cause, boolean tryNext) {
            super(message, cause, false, false);
            this.tryNext = tryNext;
        }
    }

    /**
     * Makes a base URL usable: {@code http://host:8080} and {@code http://host:8080/} become
     * {@code http://host:8080/v1}; a trailing slash is dropped; an endpoint URL ({@code .../completions}) is refused
     * with a message that says what to give instead. Any other path (e.g. behind a proxy) is kept as given.
     */
    static String normalizeBaseUrl(String url) {
        if (url == null || url.isBlank()) throw new IllegalArgumentException("a LocalAI base URL must not be blank");
        String trimmed = url.strip();
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid LocalAI base URL: '" + url + "' (" + e.getReason()
                    + "); expected e.g. http://localhost:8080/v1", e);
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("not a valid LocalAI base URL: '" + url
                    + "'; expected http(s)://host:port/v1, e.g. http://localhost:8080/v1");
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("a LocalAI base URL takes no query or fragment: '" + url + "'");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        if (path.endsWith("/completions") || path.endsWith("/models")) {
            throw new IllegalArgumentException("give LocalAI's base URL, not an endpoint: '" + url
                    + "'; e.g. " + scheme + "://" + uri.getRawAuthority() + "/v1");
        }
        if (path.isEmpty()) path = "/v1";
        return scheme.toLowerCase(java.util.Locale.ROOT) + "://" + uri.getRawAuthority() + path;
    }

    /** Configures a {@link LocalAiBackend}. */
    public static final class Builder {
        private final List<String> baseUrls = new ArrayList<>();
        private String modelName = DEFAULT_MODEL_NAME;
        private String modelId;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration cooldown = DEFAULT_COOLDOWN;
        private LongSupplier ticker = System::nanoTime;
        private boolean logRequests;
        private boolean logResponses;

        private Builder() {
        }

        /** One server's base URL, e.g. {@code http://localhost:8080/v1}; {@code /v1} is added to a bare host. */
        public Builder baseUrl(String baseUrl) {
            return baseUrls(List.of(baseUrl));
        }

        /** Several servers' base URLs, used round-robin with failover; replaces any set before. */
        public Builder baseUrls(List<String> baseUrls) {
            Objects.requireNonNull(baseUrls, "baseUrls");
            List<String> normalized = new ArrayList<>();
            for (String url : baseUrls) normalized.add(normalizeBaseUrl(url));
            this.baseUrls.clear();
            this.baseUrls.addAll(normalized);
            return this;
        }

        /** The model name as LocalAI knows it (the {@code name} in its model YAML). Default {@code guardreasoner-3b}. */
        public Builder modelName(String modelName) {
            if (modelName == null || modelName.isBlank()) throw new IllegalArgumentException("modelName must not be blank");
            this.modelName = modelName.strip();
            return this;
        }

        /** The id reported by {@link #modelId()} (part of the verdict cache key). Default: the model name. */
        public Builder modelId(String modelId) {
            if (modelId == null || modelId.isBlank()) throw new IllegalArgumentException("modelId must not be blank");
            this.modelId = modelId;
            return this;
        }

        /** How long one HTTP call may take, connecting included. Default 60 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Durations.requirePositive(timeout, "timeout");
            return this;
        }

        /** How long opening a connection may take before the next URL is tried. Default 5 s (at most the timeout). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Durations.requirePositive(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * After a server failed (connection error, 5xx, unreadable reply), calls try it only after the other servers
         * for this long, so a dead server does not cost every call a failed attempt. Zero turns this off. Default 10 s.
         */
        public Builder cooldown(Duration cooldown) {
            if (cooldown == null || cooldown.isNegative()) {
                throw new IllegalArgumentException("cooldown must be zero or positive, was " + cooldown);
            }
            this.cooldown = cooldown;
            return this;
        }

        /** The nanosecond clock for cooldowns; tests move it by hand. */
        Builder ticker(LongSupplier ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Log each request through LangChain4j's HTTP logger (SLF4J). Default off. */
        public Builder logRequests(boolean logRequests) {
            this.logRequests = logRequests;
            return this;
        }

        /** Log each response through LangChain4j's HTTP logger (SLF4J). Default off. */
        public Builder logResponses(boolean logResponses) {
            this.logResponses = logResponses;
            return this;
        }

        public LocalAiBackend build() {
            return new LocalAiBackend(this);
        }
    }
}
