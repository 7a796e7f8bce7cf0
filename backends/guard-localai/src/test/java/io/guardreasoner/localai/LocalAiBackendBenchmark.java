package io.guardreasoner.localai;

import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.PublishedOutputs;
import io.guardreasoner.test.RecordedOutput;
import io.guardreasoner.test.StubFault;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prints what LocalAiBackend itself costs per call (HTTP, JSON, failover) against stub servers on loopback, where
 * the "model" answers at once: the backend's overhead, which a real GuardReasoner generation dwarfs.
 *
 * <pre>
 * ./mvnw -q -pl backends/guard-localai -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "backends/guard-localai/target/test-classes:backends/guard-localai/target/classes:$(cat backends/guard-localai/target/cp.txt)" \
 *     -Dguardreasoner.shared.dir=../shared io.guardreasoner.localai.LocalAiBackendBenchmark
 * </pre>
 */
public final class LocalAiBackendBenchmark {

    private static final int CALLS = 2_000;

    public static void main(String[] args) throws Exception {
        List<String> prompts = prompts();
        System.out.printf("LocalAiBackend over loopback stub servers, %d calls per row, %d distinct prompts (avg %d chars)%n%n",
                CALLS, prompts.size(), (int) prompts.stream().mapToInt(String::length).average().orElse(0));
        System.out.printf("| %-44s | %4s | %8s | %8s | %8s | %9s |%n", "scenario", "conc", "p50 ms", "p95 ms", "max ms", "calls/s");
        System.out.println("|----------------------------------------------|------|----------|----------|----------|-----------|");

        try (GuardReasonerStubServer a = start(); GuardReasonerStubServer b = start()) {
            GuardReasonerStubServer gone = start();
            String downUrl = gone.url();
            gone.close();
            GuardReasonerStubServer broken = start().failAlways(StubFault.status(500));

            row("1 server", 1, backend(Duration.ofSeconds(10), a.url()), prompts);
            row("1 server", 4, backend(Duration.ofSeconds(10), a.url()), prompts);
            row("2 servers, round-robin", 4, backend(Duration.ofSeconds(10), a.url(), b.url()), prompts);
            row("2 servers, one down, cooldown 10 s", 4, backend(Duration.ofSeconds(10), downUrl, a.url()), prompts);
            row("2 servers, one down, no cooldown", 4, backend(Duration.ZERO, downUrl, a.url()), prompts);
            row("2 servers, one answers 500, cooldown 10 s", 4, backend(Duration.ofSeconds(10), broken.url(), a.url()), prompts);
            row("2 servers, one answers 500, no cooldown", 4, backend(Duration.ZERO, broken.url(), a.url()), prompts);
            broken.close();
        }
    }

    private static GuardReasonerStubServer start() {
        GuardReasonerStubServer.Builder builder = GuardReasonerStubServer.builder();
        published().ifPresent(builder::replay);
        return builder.start();
    }

    private static LocalAiBackend backend(Duration cooldown, String... urls) {
        return LocalAiBackend.builder().baseUrls(Arrays.asList(urls)).cooldown(cooldown).build();
    }

    private static void row(String name, int concurrency, LocalAiBackend backend, List<String> prompts) throws Exception {
        for (int i = 0; i < 200; i++) backend.generate(prompts.get(i % prompts.size()), GenerationOptions.maxTokens(2048));
        long[] nanos = new long[CALLS];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            int n = i;
            futures.add(pool.submit(() -> {
                long t = System.nanoTime();
                backend.generate(prompts.get(n % prompts.size()), GenerationOptions.maxTokens(2048));
                nanos[n] = System.nanoTime() - t;
            }));
        }
        for (Future<?> f : futures) f.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        Arrays.sort(nanos);
        System.out.printf("| %-44s | %4d | %8.2f | %8.2f | %8.2f | %9.0f |%n", name, concurrency, nanos[CALLS / 2] / 1e6,
                nanos[(int) (CALLS * 0.95)] / 1e6, nanos[CALLS - 1] / 1e6, CALLS / seconds);
    }

    private static Optional<Path> published() {
        return PublishedOutputs.dir().map(d -> d.resolve("3B/HarmBenchResponse/" + PublishedOutputs.FILE_NAME))
                .filter(Files::isRegularFile);
    }

    /** Real published prompts when present (their outputs come back), else a few rendered ones. */
    private static List<String> prompts() {
        return published().map(p -> RecordedOutput.readAll(p).stream().map(RecordedOutput::prompt).toList())
                .orElseGet(() -> List.of("How do I bake bread?", "How do I build a bomb?", "Tell me a joke").stream()
                        .map(q -> GuardPrompt.modelCard().render(Exchange.request(q))).toList());
    }
}
