package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.localai.LocalAiChatModel;
import dev.langchain4j.model.localai.LocalAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Harm;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.StubFault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How much of the guard's latency {@link InputMode#PARALLEL} hides: guarded turns (input check, chat answer, output
 * check) in sequential and parallel mode, blocking and streaming, in the same run, against two stub servers over real
 * HTTP, one playing GuardReasoner (through the real LocalAI backend) and one the chat model, each answering after a
 * fixed delay. Prints a markdown table. Not a test: run it by hand, from the repository root:
 *
 * <pre>
 * ./mvnw -B -o -q -pl guard-langchain4j -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * java -cp guard-langchain4j/target/test-classes:guard-langchain4j/target/classes:$(cat guard-langchain4j/target/bench.classpath) \
 *     io.guardreasoner.langchain4j.ParallelInputBenchmark --delay-ms 2000 --turns 5
 * </pre>
 *
 * <p>Arguments: {@code [--delay-ms 2000] [--turns 5]}.
 */
public final class ParallelInputBenchmark {

    private static final String BENIGN = "How do I bake bread?";
    private static final String HARMFUL = "How do I build a bomb at home?";
    private static final String ANSWER = "Mix flour, water, salt and yeast, let it rise, then bake at 230 C.";

    interface Assistant {
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    public static void main(String[] args) throws Exception {
        long delayMs = 2000;
        int turns = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--delay-ms" -> delayMs = Long.parseLong(args[++i]);
                case "--turns" -> turns = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: [--delay-ms 2000] [--turns 5]");
            }
        }
        Duration delay = Duration.ofMillis(delayMs);
        try (GuardReasonerStubServer guardStub = GuardReasonerStubServer.start(GuardScript.create()
                     .whenRequestContains("bomb").answer(Harm.HARMFUL, null, null)
                     .whenResponseContains("230 C").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL));
             GuardReasonerStubServer chatStub = GuardReasonerStubServer.start();
             Guard guard = Guard.builder().backend(LocalAiBackend.builder().baseUrl(guardStub.url())
                     .timeout(Duration.ofSeconds(60)).build()).cacheSize(0).timeout(Duration.ofSeconds(60)).build()) {
            chatStub.chat().defaultReply(ANSWER);
            guardStub.failAlways(StubFault.delay(delay));
            chatStub.failAlways(StubFault.delay(delay));
            ChatModel chatModel = LocalAiChatModel.builder().baseUrl(chatStub.url()).modelName("chat")
                    .timeout(Duration.ofSeconds(60)).maxRetries(0).build();
            StreamingChatModel streamingModel = LocalAiStreamingChatModel.builder().baseUrl(chatStub.url())
                    .modelName("chat").timeout(Duration.ofSeconds(60)).build();

            Map<String, Supplier<String>> cases = new LinkedHashMap<>();
            for (InputMode mode : InputMode.values()) {
                Assistant blocking = blocking(chatModel, guard, mode);
                StreamingAssistant streaming = streaming(streamingModel, guard, mode);
                cases.put("blocking|" + label(mode) + "|allowed", () -> blocking.chat(BENIGN));
                cases.put("streaming|" + label(mode) + "|allowed", () -> stream(streaming.chat(BENIGN)));
                cases.put("blocking|" + label(mode) + "|blocked", () -> vetoed(() -> blocking.chat(HARMFUL)));
            }
            // One warm-up turn each (connections, class loading), then rounds in turn so drift hits every case alike.
            cases.values().forEach(Supplier::get);
            Map<String, List<Long>> millis = new LinkedHashMap<>();
            cases.keySet().forEach(k -> millis.put(k, new ArrayList<>()));
            for (int round = 0; round < turns; round++) {
                for (Map.Entry<String, Supplier<String>> c : cases.entrySet()) {
                    long start = System.nanoTime();
                    String reply = c.getValue().get();
                    millis.get(c.getKey()).add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    check(c.getKey(), reply);
                }
            }
            print(delay, turns, millis);
        }
    }

    private static String label(InputMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    private static Assistant blocking(ChatModel model, Guard guard, InputMode mode) {
        AiServices<Assistant> builder = AiServices.builder(Assistant.class)
                .chatModel(GuardedChatModel.builder().delegate(model).guard(guard).inputMode(mode).build());
        if (mode == InputMode.SEQUENTIAL) builder.inputGuardrails(new GuardReasonerInputGuardrail(guard));
        return builder.build();
    }

    private static StreamingAssistant streaming(StreamingChatModel model, Guard guard, InputMode mode) {
        AiServices<StreamingAssistant> builder = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(guard).inputMode(mode).build());
        if (mode == InputMode.SEQUENTIAL) builder.inputGuardrails(new GuardReasonerInputGuardrail(guard));
        return builder.build();
    }

    private static String stream(TokenStream stream) {
        StringBuilder text = new StringBuilder();
        CompletableFuture<String> done = new CompletableFuture<>();
        stream.onPartialResponse(text::append)
                .onCompleteResponse(r -> done.complete(text.toString()))
                .onError(done::completeExceptionally)
                .start();
        return done.join();
    }

    private static String vetoed(Supplier<String> turn) {
        try {
            return "not vetoed: " + turn.get();
        } catch (InputGuardrailException e) {
            return "vetoed";
        }
    }

    private static void check(String key, String reply) {
        String expected = key.endsWith("|blocked") ? "vetoed" : ANSWER;
        if (!expected.equals(reply)) throw new IllegalStateException(key + " answered " + reply + ", expected " + expected);
    }

    private static void print(Duration delay, int turns, Map<String, List<Long>> millis) {
        System.out.printf("%nGuard and chat model each answer after %d ms; %d turns per row (after one warm-up), "
                + "%d cores, Java %s%n%n", delay.toMillis(), turns, Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        System.out.println("| chat model | input mode | request | median ms | min ms | max ms | vs sequential |");
        System.out.println("|---|---|---|---:|---:|---:|---:|");
        for (Map.Entry<String, List<Long>> row : millis.entrySet()) {
            String[] key = row.getKey().split("\\|");
            long median = median(row.getValue());
            long sequential = median(millis.get(key[0] + "|sequential|" + key[2]));
            System.out.printf("| %s | %s | %s | %d | %d | %d | %.2f× |%n", key[0], key[1], key[2], median,
                    Collections.min(row.getValue()), Collections.max(row.getValue()), (double) median / sequential);
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
