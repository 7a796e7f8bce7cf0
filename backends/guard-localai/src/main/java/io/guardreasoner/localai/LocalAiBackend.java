package io.guardreasoner.localai;

import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.internal.Durations;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A {@link GuardBackend} that asks a LocalAI server (or any OpenAI-compatible server: vLLM, llama.cpp's
 * {@code llama-server}) for a raw-text completion at {@code {baseUrl}/completions}: greedy ({@code temperature} 0),
 * no chat template, the caller's token limit and stop sequences, no hidden retries.
 *
 * <p>With several base URLs, calls are spread round-robin: each call starts at the next URL, and a call that meets a
 * connection error, an HTTP 5xx or an unreadable reply moves on to the following one, until one answers or all have
 * failed. A server that failed is tried last for a {@linkplain Builder#cooldown cooldown}, so a dead one does not
 * slow every call down. A 4xx (e.g. an unknown model name) or a timeout is not retried elsewhere: the next server
 * would most likely answer the same, and a timeout has already spent the caller's time.
 *
 * <p>The backend owns one JDK {@link HttpClient}; {@link #close()} shuts it down, so its selector thread and pooled
 * connections end then rather than at garbage collection. The request body is the one LangChain4j's
 * {@code LocalAiLanguageModel} sends, plus {@code stop} per call, and {@code logprobs}/{@code top_logprobs} when
 * {@link GenerationOptions#topLogprobs()} asks for token probabilities ({@link Generation#tokens()}: what the server
 * reports, none when it reports none). {@link Generation#cut()} is the stop sequence the server stopped on, so that
 * {@link #resume} asks for a completion of exactly the prompt and what the model wrote, which a server with a prompt
 * cache has mostly computed already.
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

    /** The model name asked for unless told otherwise; the name in the LocalAI model YAML of docs/BACKENDS.md. */
    public static final String DEFAULT_MODEL_NAME = "guardreasoner-3b";

    /** How long one HTTP call may take unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** How long a server that failed is tried only after the others, unless told otherwise. */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(10);

    /** How long opening a connection may take unless told otherwise: a down server should fail over fast. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

    private final List<Endpoint> endpoints;
    private final String modelName;
    private final String modelId;
    private final Duration timeout;
    private final Duration cooldown;
    private final LongSupplier ticker;
    private final AtomicInteger next = new AtomicInteger();
    private final CompletionsClient client;

    private LocalAiBackend(Builder b) {
        if (b.baseUrls.isEmpty()) {
            throw new IllegalArgumentException("LocalAiBackend needs a base URL: builder().baseUrl(\"http://localhost:8080/v1\")");
        }
        this.modelName = b.modelName;
        this.modelId = b.modelId == null ? modelName : b.modelId;
        this.timeout = b.timeout;
        this.cooldown = b.cooldown;
        this.ticker = b.ticker;
        this.endpoints = b.baseUrls.stream().map(url -> new Endpoint(url, new AtomicLong())).toList();
        this.client = new CompletionsClient(min(b.connectTimeout, b.timeout), b.logRequests, b.logResponses);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        CompletionsClient.Request request = new CompletionsClient.Request(modelName, prompt, options.maxTokens(),
                options.stopSequences(), options.topLogprobs());
        List<String> failures = new ArrayList<>();
        GuardBackendException last = null;
        for (Endpoint endpoint : callOrder()) {
            if (options.expired()) {
                throw failure(failures, "the deadline passed before " + endpoint.url + " was tried", last);
            }
            try {
                CompletionsClient.Reply reply = client.complete(endpoint.url, request, timeout);
                endpoint.downUntil.set(0);
                return reply.toGeneration(options);
            } catch (CompletionsClient.EndpointFailure f) {
                last = new GuardBackendException(f.getMessage(), f.getCause());
                failures.add(f.getMessage());
                if (!f.tryNext()) throw last;
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
                List<String> ids = client.models(endpoint.url, min(HEALTH_TIMEOUT, timeout));
                if (ids.contains(modelName)) {
                    up = true;
                    state = "up";
                } else {
                    state = "reachable, but it does not serve model '" + modelName + "' (it lists " + ids + ")";
                }
            } catch (CompletionsClient.EndpointFailure e) {
                state = "down: " + e.getMessage();
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

    /** The base URLs in use, normalised to end in {@code /v1} (or the path given), in round-robin order. */
    public List<String> baseUrls() {
        return endpoints.stream().map(Endpoint::url).toList();
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

    /** Shuts the HTTP client down: its selector thread and pooled connections end now. */
    @Override
    public void close() {
        client.close();
    }

    /** One server: its normalised base URL, and until when it is cooling down after a failure (0: ready). */
    private record Endpoint(String url, AtomicLong downUntil) { }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
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
        return scheme.toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path;
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

        /** Log each request body (System.Logger, level INFO). Default off: bodies hold users' texts. */
        public Builder logRequests(boolean logRequests) {
            this.logRequests = logRequests;
            return this;
        }

        /** Log each response body (System.Logger, level INFO). Default off. */
        public Builder logResponses(boolean logResponses) {
            this.logResponses = logResponses;
            return this;
        }

        public LocalAiBackend build() {
            return new LocalAiBackend(this);
        }
    }
}
