package io.guardreasoner.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardPrompt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on a free loopback port that speaks LocalAI's OpenAI-compatible API and answers as
 * GuardReasoner would, for tests that must run without a GPU or model weights.
 *
 * <ul>
 *   <li>{@code POST /v1/completions}: the guard's raw-text completion. The human request and AI response are parsed
 *       out of {@code prompt} and answered from the {@link GuardScript}: rules in code, then recorded outputs, then
 *       {@code unharmful, compliance, unharmful}. {@code stop} and {@code max_tokens} are honoured. A prompt that
 *       continues an earlier prompt with the start of its answer gets the rest of that answer (how
 *       {@link io.guardreasoner.core.GuardBackend#resume} reaches a server); the guard's label probe gets the
 *       answer's request label. With {@code "logprobs": k} (1..20), each choice carries the tokens of its text with
 *       their log-probabilities and up to {@code k} alternatives, in the {@link LogprobsFormat} chosen.</li>
 *   <li>{@code POST /v1/chat/completions}: a chatbot's model, answered from the {@link ChatScript}, streamed as
 *       server-sent events when {@code "stream": true}.</li>
 *   <li>{@code GET /v1/models}, {@code GET /readyz}, {@code GET /healthz}: health, as LocalAI answers them.</li>
 * </ul>
 * Every request is recorded ({@link #requests()}); faults can be injected ({@link #failNext}, {@link #failAlways}).
 * The same paths without {@code /v1} work too, as on LocalAI.
 *
 * <pre>{@code
 * try (GuardReasonerStubServer stub = GuardReasonerStubServer.start()) {
 *     stub.script().whenRequestContains("bomb").answer(HARMFUL, null, null);
 *     GuardBackend backend = LocalAiBackend.builder().baseUrl(stub.url()).modelName(stub.modelName()).build();
 *     ...
 * }
 * }</pre>
 */
public final class GuardReasonerStubServer implements AutoCloseable {

    /** The model name the stub serves unless told otherwise; LocalAiBackend's default model name too. */
    public static final String DEFAULT_MODEL_NAME = "guardreasoner-3b";

    static {
        // Without TCP_NODELAY a reply of more than a few kilobytes (one with token probabilities) waits some 40 ms
        // on Nagle's algorithm and the client's delayed ACK. Read once, when the JDK's HttpServer first starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WORD = Pattern.compile("\\s*\\S+|\\s+$");

    private final HttpServer server;
    private final ExecutorService executor;
    private final GuardScript script;
    private final ChatScript chat;
    private final String modelName;
    private final boolean anyModel;
    private final LogprobsFormat logprobsFormat;
    private final List<StubRequest> requests = new CopyOnWriteArrayList<>();
    private final Queue<StubFault> nextFaults = new ConcurrentLinkedQueue<>();
    private volatile StubFault alwaysFault;
    private final List<FaultRule> faultRules = new CopyOnWriteArrayList<>();

    private final List<ChatFaultRule> chatFaultRules = new CopyOnWriteArrayList<>();

    /** How the stub reports token probabilities, as the server families it stands for do. */
    public enum LogprobsFormat {
        /**
         * OpenAI's completions shape, {@code {"tokens", "token_logprobs", "top_logprobs": [{token: logprob}],
         * "text_offset"}}, as OpenAI and vLLM send it; after a stop sequence, the tokens that wrote it are included,
         * as vLLM does.
         */
        OPENAI,
        /**
         * {@code {"content": [{"id", "token", "bytes", "logprob", "top_logprobs": [{"id", "token", "bytes",
         * "logprob"}]}]}}, as llama.cpp's {@code llama-server} and LocalAI send it; after a stop sequence, as many
         * tokens as the stop sequence has are dropped from the end, as llama.cpp does.
         */
        LLAMA_CPP,
        /** No token probabilities, whatever the request asks, as a server without logprobs support answers. */
        NONE
    }

    /** A fault for every completion whose judged exchange matches. */
    private record FaultRule(java.util.function.Predicate<Exchange> condition, StubFault fault) { }

    /** A fault for every chat completion whose last user message matches. */
    private record ChatFaultRule(java.util.function.Predicate<String> lastUserMessage, StubFault fault) { }

    /**
     * Runs a stub on its own until the process is stopped, e.g. for {@code guard-cli eval --backend localai}:
     * {@code [--port N] [--model NAME | --any-model] [--replay FILE.jsonl]...}. Prints its base URL.
     */
    public static void main(String[] args) throws InterruptedException {
        Builder builder = builder();
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--port" -> port = Integer.parseInt(required(arg, value));
                case "--model" -> builder.modelName(required(arg, value));
                case "--replay" -> builder.replay(Path.of(required(arg, value)));
                case "--any-model" -> {
                    builder.anyModel();
                    continue;
                }
                default -> throw new IllegalArgumentException("unknown option " + arg
                        + "; usage: [--port N] [--model NAME | --any-model] [--replay FILE.jsonl]...");
            }
            i++;
        }
        builder.port = port;
        GuardReasonerStubServer stub = builder.start();
        System.out.println("GuardReasoner stub server at " + stub.url() + " serving model '" + stub.modelName()
                + "' with " + stub.script().recordingCount() + " recorded outputs; stop with Ctrl-C");
        Runtime.getRuntime().addShutdownHook(new Thread(stub::close));
        Thread.currentThread().join();
    }

    private static String required(String option, String value) {
        if (value == null) throw new IllegalArgumentException(option + " needs a value");
        return value;
    }

    private GuardReasonerStubServer(Builder b) {
        this.script = b.script;
        this.chat = b.chat;
        this.modelName = b.modelName;
        this.anyModel = b.anyModel;
        this.logprobsFormat = b.logprobsFormat;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "guardreasoner-stub-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open loopback port " + b.port + " for the stub server: " + e.getMessage(), e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts a stub that answers every exchange with the default verdict. */
    public static GuardReasonerStubServer start() {
        return builder().start();
    }

    /** Starts a stub that answers from {@code script}. */
    public static GuardReasonerStubServer start(GuardScript script) {
        return builder().script(script).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The base URL to give an OpenAI-compatible client, ending in {@code /v1}, e.g. {@code http://127.0.0.1:41234/v1}. */
    public String url() {
        return rootUrl() + "/v1";
    }

    /** The server's root URL without {@code /v1}, e.g. {@code http://127.0.0.1:41234}. */
    public String rootUrl() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port();
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The model name it serves and lists under {@code /v1/models}. */
    public String modelName() {
        return modelName;
    }

    /** The guard script it answers completions from; rules added now apply to the next request. */
    public GuardScript script() {
        return script;
    }

    /** The chat script it answers chat completions from. */
    public ChatScript chat() {
        return chat;
    }

    /**
     * Properties that point the Spring Boot starter at this stub: {@code guardreasoner.backend=localai},
     * {@code guardreasoner.localai.base-urls} and {@code guardreasoner.localai.model-name}.
     */
    public Map<String, String> springProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("guardreasoner.backend", "localai");
        props.put("guardreasoner.localai.base-urls", url());
        props.put("guardreasoner.localai.model-name", modelName);
        return props;
    }

    /** Makes the next completion or chat requests misbehave, one fault per request, in order. */
    public GuardReasonerStubServer failNext(StubFault... faults) {
        for (StubFault f : faults) nextFaults.add(Objects.requireNonNull(f, "fault"));
        return this;
    }

    /** Makes every request (health included) misbehave this way until {@link #heal()}. */
    public GuardReasonerStubServer failAlways(StubFault fault) {
        this.alwaysFault = Objects.requireNonNull(fault, "fault");
        return this;
    }

    /**
     * Makes every completion whose judged exchange matches {@code condition} misbehave, until {@link #heal()}.
     * Rules are tried after {@link #failNext} faults, in the order added; this lets a test decide per request.
     */
    public GuardReasonerStubServer failWhen(java.util.function.Predicate<Exchange> condition, StubFault fault) {
        faultRules.add(new FaultRule(Objects.requireNonNull(condition, "condition"), Objects.requireNonNull(fault, "fault")));
        return this;
    }

    /**
     * Makes every chat completion whose last user message matches {@code lastUserMessage} misbehave, until
     * {@link #heal()}: the chatbot's model fails while the guard, on the same stub, still answers.
     */
    public GuardReasonerStubServer failChatsWhen(java.util.function.Predicate<String> lastUserMessage, StubFault fault) {
        chatFaultRules.add(new ChatFaultRule(Objects.requireNonNull(lastUserMessage, "lastUserMessage"),
                Objects.requireNonNull(fault, "fault")));
        return this;
    }

    /** Drops every pending and standing fault. */
    public GuardReasonerStubServer heal() {
        nextFaults.clear();
        alwaysFault = null;
        faultRules.clear();
        chatFaultRules.clear();
        return this;
    }

    /** Forgets the recorded requests and drops every fault; the scripts stay. */
    public GuardReasonerStubServer reset() {
        heal();
        requests.clear();
        return this;
    }

    /** Every request received, in arrival order, faulty replies included. */
    public List<StubRequest> requests() {
        return List.copyOf(requests);
    }

    /** The {@code POST .../completions} requests, in arrival order. */
    public List<StubRequest> completionRequests() {
        return requests.stream().filter(StubRequest::isCompletion).toList();
    }

    /** The {@code POST .../chat/completions} requests, in arrival order. */
    public List<StubRequest> chatRequests() {
        return requests.stream().filter(StubRequest::isChat).toList();
    }

    /** The exchanges the guard was asked to judge, in arrival order. */
    public List<Exchange> judgedExchanges() {
        return completionRequests().stream().flatMap(r -> r.exchange().stream()).toList();
    }

    /** The last completion request; fails when there was none. */
    public StubRequest lastCompletionRequest() {
        List<StubRequest> all = completionRequests();
        if (all.isEmpty()) throw new IllegalStateException("the stub received no completion request");
        return all.get(all.size() - 1);
    }

    /** Stops the server at once; requests in flight are cut off. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "GuardReasonerStubServer[" + url() + ", model " + modelName + "]";
    }

    // ---------------------------------------------------------------- HTTP handling

    private void handle(HttpExchange http) throws IOException {
        try (http) {
            byte[] body = readAll(http.getRequestBody());
            String method = http.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = http.getRequestURI().getPath();
            String route = path.startsWith("/v1/") ? path.substring(3) : path;
            boolean generating = method.equals("POST")
                    && (route.equals("/completions") || route.equals("/chat/completions"));
            Optional<Exchange> exchange = Optional.empty();
            JsonNode json = null;
            if (method.equals("POST")) {
                json = parseJson(body);
                if (route.equals("/completions") && json != null && json.path("prompt").isTextual()) {
                    exchange = GuardPrompt.parse(json.get("prompt").asText());
                }
            }
            requests.add(new StubRequest(method, path, headersOf(http), body, exchange));

            StubFault fault = generating ? nextFaults.poll() : null;
            if (fault == null && generating && exchange.isPresent()) fault = ruleFault(exchange.get());
            if (fault == null && generating && route.equals("/chat/completions")) fault = chatRuleFault(json);
            if (fault == null) fault = alwaysFault;
            if (fault != null && applyFault(http, fault)) return;

            switch (method + " " + route) {
                case "POST /completions" -> completion(http, json, fault);
                case "POST /chat/completions" -> chatCompletion(http, json, fault);
                case "GET /models" -> models(http);
                case "GET /readyz", "GET /healthz" -> send(http, 200, "text/plain", "OK".getBytes(StandardCharsets.UTF_8));
                default -> error(http, 404, "no such endpoint: " + method + " " + path
                        + " (the stub serves POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /readyz)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("stub server stopped while delaying a reply", e);
        }
    }

    private StubFault ruleFault(Exchange exchange) {
        for (FaultRule rule : faultRules) {
            if (rule.condition().test(exchange)) return rule.fault();
        }
        return null;
    }

    private StubFault chatRuleFault(JsonNode json) {
        if (chatFaultRules.isEmpty() || json == null) return null;
        String lastUser = lastUserMessage(json);
        for (ChatFaultRule rule : chatFaultRules) {
            if (rule.lastUserMessage().test(lastUser)) return rule.fault();
        }
        return null;
    }

    /** The text of the last user message of a chat request; empty when it has none. */
    private static String lastUserMessage(JsonNode json) {
        String lastUser = "";
        for (JsonNode message : json.path("messages")) {
            if ("user".equals(message.path("role").asText())) lastUser = contentText(message.get("content"));
        }
        return lastUser;
    }

    /** Applies a fault; true when it fully replaced the reply. */
    private boolean applyFault(HttpExchange http, StubFault fault) throws IOException, InterruptedException {
        switch (fault.kind()) {
            case DELAY -> {
                Thread.sleep(fault.delay().toMillis());
                return false;
            }
            case STATUS -> {
                error(http, fault.status(), fault.body());
                return true;
            }
            case GARBAGE -> {
                send(http, 200, "application/json", fault.body().getBytes(StandardCharsets.UTF_8));
                return true;
            }
            case DISCONNECT -> throw new IOException("stub fault: connection dropped without a reply");
            case DROP_MID_BODY -> {
                byte[] full = ("{\"created\":0,\"object\":\"text_completion\",\"id\":\"cut\",\"model\":\"" + modelName
                        + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"text\":\"Answers: ...\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
                http.getResponseHeaders().set("Content-Type", "application/json");
                http.sendResponseHeaders(200, full.length);
                OutputStream out = http.getResponseBody();
                out.write(full, 0, full.length / 2);
                out.flush();
                throw new IOException("stub fault: connection dropped in the middle of the body");
            }
            default -> {
                return false; // EMPTY_CHOICES and CUT_OFF shape the normal reply
            }
        }
    }

    private void completion(HttpExchange http, JsonNode json, StubFault fault) throws IOException {
        if (json == null || !json.isObject()) {
            error(http, 400, "the request body is not a JSON object");
            return;
        }
        if (!modelAccepted(http, json)) return;
        JsonNode promptNode = json.get("prompt");
        List<String> prompts = new ArrayList<>();
        if (promptNode != null && promptNode.isTextual()) {
            prompts.add(promptNode.asText());
        } else if (promptNode != null && promptNode.isArray()) {
            promptNode.forEach(p -> prompts.add(p.asText()));
        } else {
            error(http, 400, "\"prompt\" must be a string or an array of strings");
            return;
        }
        if (json.path("stream").asBoolean(false)) {
            error(http, 400, "the stub does not stream completions; send \"stream\": false");
            return;
        }
        int maxTokens = json.hasNonNull("max_tokens") ? json.get("max_tokens").asInt() : Integer.MAX_VALUE;
        if (maxTokens < 1) {
            error(http, 400, "\"max_tokens\" must be at least 1, was " + json.get("max_tokens"));
            return;
        }
        Integer logprobs = StubRequest.logprobs(json);
        if (logprobs != null && (logprobs < 1 || logprobs > GenerationOptions.MAX_TOP_LOGPROBS)) {
            error(http, 400, "\"logprobs\" must be 1.." + GenerationOptions.MAX_TOP_LOGPROBS + ", was " + logprobs);
            return;
        }
        GenerationOptions options = GenerationOptions.maxTokens(maxTokens)
                .withStopSequences(StubRequest.stringList(json.get("stop")));

        ObjectNode reply = envelope("text_completion", json.path("model").asText(modelName));
        ArrayNode choices = reply.putArray("choices");
        int promptTokens = 0;
        int completionTokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
            GuardScript.Answer answer = script.answerTo(prompts.get(i));
            Generation generation = ScriptedGuardBackend.complete(answer.text(), options);
            String text = generation.text();
            String finish = generation.finishReason() == Generation.FinishReason.LENGTH ? "length" : "stop";
            String stop = generation.finishReason() == Generation.FinishReason.STOP_SEQUENCE
                    ? stopAt(answer.text(), text.length(), options.stopSequences()) : "";
            if (fault != null && fault.kind() == StubFault.Kind.CUT_OFF && text.length() > fault.chars()) {
                text = text.substring(0, fault.chars());
                finish = "length";
                stop = "";
            }
            promptTokens += ScriptedGuardBackend.countTokens(prompts.get(i));
            completionTokens += ScriptedGuardBackend.countTokens(text);
            if (fault != null && fault.kind() == StubFault.Kind.EMPTY_CHOICES) continue;
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            choice.put("finish_reason", finish);
            choice.put("text", text);
            if (logprobs != null && logprobsFormat != LogprobsFormat.NONE) {
                choice.set("logprobs", logprobs(answer, text, stop, logprobs, prompts.get(i).length()));
            }
        }
        usage(reply, promptTokens, completionTokens);
        if (fault != null && fault.kind() == StubFault.Kind.SLOW_DRIP) {
            drip(http, JSON.writeValueAsBytes(reply), fault.delay());
        } else {
            sendJson(http, 200, reply);
        }
    }

    /** The stop sequence that starts at {@code at} in {@code answer} (the earliest-listed when several do). */
    private static String stopAt(String answer, int at, List<String> stops) {
        for (String stop : stops) {
            if (!stop.isEmpty() && answer.startsWith(stop, at)) return stop;
        }
        return "";
    }

    /**
     * The token probabilities of a choice whose text is {@code text} (a prefix of the answer) and that ended on
     * {@code stop} (empty when it did not), in this stub's {@link LogprobsFormat}.
     */
    private ObjectNode logprobs(GuardScript.Answer answer, String text, String stop, int k, int promptLength) {
        List<GeneratedToken> all = ScriptedTokens.of(answer.text(), answer.labelProbability(), k);
        List<GeneratedToken> tokens = ScriptedTokens.upTo(all, text.length() + stop.length());
        ObjectNode logprobs = JSON.createObjectNode();
        if (logprobsFormat == LogprobsFormat.LLAMA_CPP) {
            if (!stop.isEmpty()) {
                int drop = Math.min(tokens.size(), ScriptedTokens.split(stop).size());
                tokens = tokens.subList(0, tokens.size() - drop);
            }
            ArrayNode content = logprobs.putArray("content");
            for (GeneratedToken token : tokens) {
                ObjectNode entry = llamaCppToken(content.addObject(), token.text(), token.logprob());
                ArrayNode top = entry.putArray("top_logprobs");
                for (GeneratedToken.Alternative alternative : token.top()) {
                    llamaCppToken(top.addObject(), alternative.text(), alternative.logprob());
                }
            }
            return logprobs;
        }
        ArrayNode texts = logprobs.putArray("tokens");
        ArrayNode values = logprobs.putArray("token_logprobs");
        ArrayNode tops = logprobs.putArray("top_logprobs");
        ArrayNode offsets = logprobs.putArray("text_offset");
        int offset = promptLength; // OpenAI counts offsets from the start of the prompt
        for (GeneratedToken token : tokens) {
            texts.add(token.text());
            values.add(token.logprob());
            ObjectNode top = tops.addObject();
            for (GeneratedToken.Alternative alternative : token.top()) {
                top.put(alternative.text(), alternative.logprob());
            }
            offsets.add(offset);
            offset += token.text().length();
        }
        return logprobs;
    }

    private static ObjectNode llamaCppToken(ObjectNode node, String text, double logprob) {
        node.put("id", Math.floorMod(text.hashCode(), 128_000)); // a stand-in id, stable per token text
        node.put("token", text);
        ArrayNode bytes = node.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xFF);
        node.put("logprob", logprob);
        return node;
    }

    /** Sends a reply a few bytes at a time, pausing between chunks, as a server under stress may. */
    private static void drip(HttpExchange http, byte[] body, java.time.Duration pause) throws IOException {
        http.getResponseHeaders().set("Content-Type", "application/json");
        http.sendResponseHeaders(200, body.length);
        try (OutputStream out = http.getResponseBody()) {
            int chunk = Math.max(1, body.length / 20);
            for (int i = 0; i < body.length; i += chunk) {
                out.write(body, i, Math.min(chunk, body.length - i));
                out.flush();
                Thread.sleep(pause.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("stub server stopped while dripping a reply", e);
        }
    }

    private void chatCompletion(HttpExchange http, JsonNode json, StubFault fault) throws IOException {
        if (json == null || !json.isObject() || !json.path("messages").isArray()) {
            error(http, 400, "the request body must be a JSON object with a \"messages\" array");
            return;
        }
        String lastUser = null;
        int promptTokens = 0;
        for (JsonNode message : json.get("messages")) {
            String content = contentText(message.get("content"));
            promptTokens += ScriptedGuardBackend.countTokens(content);
            if ("user".equals(message.path("role").asText())) lastUser = content;
        }
        String text = chat.answer(lastUser);
        String finish = "stop";
        if (fault != null && fault.kind() == StubFault.Kind.CUT_OFF && text.length() > fault.chars()) {
            text = text.substring(0, fault.chars());
            finish = "length";
        }
        String model = json.path("model").asText("stub-chat");
        boolean empty = fault != null && fault.kind() == StubFault.Kind.EMPTY_CHOICES;
        if (json.path("stream").asBoolean(false)) {
            streamChat(http, model, text, finish, empty, promptTokens);
            return;
        }
        ObjectNode reply = envelope("chat.completion", model);
        ArrayNode choices = reply.putArray("choices");
        if (!empty) {
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.put("finish_reason", finish);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
        }
        usage(reply, promptTokens, ScriptedGuardBackend.countTokens(text));
        sendJson(http, 200, reply);
    }

    /** Streams a chat reply word by word as server-sent events, then {@code [DONE]}, as OpenAI and LocalAI do. */
    private void streamChat(HttpExchange http, String model, String text, String finish, boolean empty,
                            int promptTokens) throws IOException {
        http.getResponseHeaders().set("Content-Type", "text/event-stream");
        http.getResponseHeaders().set("Cache-Control", "no-cache");
        http.sendResponseHeaders(200, 0);
        OutputStream out = http.getResponseBody();
        String id = UUID.randomUUID().toString();
        long created = System.currentTimeMillis() / 1000;
        if (!empty) {
            Matcher words = WORD.matcher(text);
            boolean first = true;
            while (words.find()) {
                ObjectNode delta = JSON.createObjectNode();
                if (first) delta.put("role", "assistant");
                delta.put("content", words.group());
                writeEvent(out, chunk(id, created, model, delta, null));
                first = false;
            }
            writeEvent(out, chunk(id, created, model, JSON.createObjectNode(), finish));
        }
        ObjectNode last = chunk(id, created, model, null, null);
        usage(last, promptTokens, ScriptedGuardBackend.countTokens(text));
        writeEvent(out, last);
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        ArrayNode choices = chunk.putArray("choices");
        if (delta != null) {
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            if (finish == null) choice.putNull("finish_reason");
            else choice.put("finish_reason", finish);
        }
        return chunk;
    }

    private static void writeEvent(OutputStream out, ObjectNode data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void models(HttpExchange http) throws IOException {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("object", "list");
        ObjectNode model = reply.putArray("data").addObject();
        model.put("id", modelName);
        model.put("object", "model");
        sendJson(http, 200, reply);
    }

    private boolean modelAccepted(HttpExchange http, JsonNode json) throws IOException {
        String requested = json.path("model").asText("");
        if (anyModel || requested.equals(modelName)) return true;
        // LocalAI fails for a model it has no configuration or file for; so does the stub, with a clearer text.
        error(http, 404, "model '" + requested + "' is not served here; this stub serves '" + modelName
                + "' (set the client's model name, or build the stub with anyModel())");
        return false;
    }

    private ObjectNode envelope(String object, String model) {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("created", System.currentTimeMillis() / 1000);
        reply.put("object", object);
        reply.put("id", UUID.randomUUID().toString());
        reply.put("model", model);
        return reply;
    }

    private static void usage(ObjectNode reply, int promptTokens, int completionTokens) {
        ObjectNode usage = reply.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
    }

    /** LocalAI's error body: {@code {"error":{"code":500,"message":"...","type":""}}}. */
    private static void error(HttpExchange http, int status, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", status);
        error.put("message", message);
        error.put("type", "");
        sendJson(http, status, body);
    }

    private static void sendJson(HttpExchange http, int status, JsonNode body) throws IOException {
        send(http, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange http, int status, String contentType, byte[] body) throws IOException {
        http.getResponseHeaders().set("Content-Type", contentType);
        http.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = http.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder text = new StringBuilder();
        content.forEach(part -> {
            if (part.path("type").asText().equals("text")) text.append(part.path("text").asText());
        });
        return text.toString();
    }

    private static JsonNode parseJson(byte[] body) {
        try {
            return body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static Map<String, List<String>> headersOf(HttpExchange http) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        http.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        return headers;
    }

    /** Configures a stub before it starts. */
    public static final class Builder {
        private GuardScript script = GuardScript.create();
        private ChatScript chat = ChatScript.create();
        private String modelName = DEFAULT_MODEL_NAME;
        private boolean anyModel;
        private LogprobsFormat logprobsFormat = LogprobsFormat.OPENAI;
        private final List<Path> replays = new ArrayList<>();
        private int port;

        private Builder() {
        }

        /** The guard script to answer completions from. Default: an empty script (default verdicts). */
        public Builder script(GuardScript script) {
            this.script = Objects.requireNonNull(script, "script");
            return this;
        }

        /** Also answers the exchanges recorded in this JSON Lines file with their recorded outputs. */
        public Builder replay(Path jsonl) {
            replays.add(Objects.requireNonNull(jsonl, "jsonl"));
            return this;
        }

        /** The chat script for {@code /v1/chat/completions}. Default: {@link ChatScript#DEFAULT_REPLY} to all. */
        public Builder chat(ChatScript chat) {
            this.chat = Objects.requireNonNull(chat, "chat");
            return this;
        }

        /** The model name served; completions for any other name fail with 404. Default {@value GuardReasonerStubServer#DEFAULT_MODEL_NAME}. */
        public Builder modelName(String modelName) {
            if (modelName == null || modelName.isBlank()) throw new IllegalArgumentException("modelName must not be blank");
            this.modelName = modelName;
            return this;
        }

        /**
         * The shape of the token probabilities a completion asked for ({@code "logprobs": k}) comes back in.
         * Default {@link LogprobsFormat#OPENAI}.
         */
        public Builder logprobsFormat(LogprobsFormat format) {
            this.logprobsFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /** Accepts completions for any model name. */
        public Builder anyModel() {
            this.anyModel = true;
            return this;
        }

        /** Starts the server on a free loopback port. */
        public GuardReasonerStubServer start() {
            for (Path file : replays) script.replay(file); // into the final script, whatever the call order
            return new GuardReasonerStubServer(this);
        }
    }
}
