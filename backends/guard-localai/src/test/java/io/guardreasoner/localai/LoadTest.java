package io.guardreasoner.localai;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.Rail;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent callers against a LocalAI-compatible server on loopback that takes a fixed time per completion.
 * Reports throughput and the library's own overhead (total latency minus the server's fixed time), the overload
 * behaviour of the bounded queue, and heap before and after. CI runs a short version; the full run is
 * {@code ./mvnw -pl backends/guard-localai -am test -Dtest=LoadTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dguardreasoner.load.seconds=60}.
 */
class LoadTest {

    private static final int CALLERS = Integer.getInteger("guardreasoner.load.callers", 64);
    private static final int SECONDS = Integer.getInteger("guardreasoner.load.seconds", 5);
    private static final Duration SERVER_TIME = Duration.ofMillis(20);

    @Test
    void manyCallersGetVerdictsWithSmallLibraryOverhead() throws Exception {
        try (GuardReasonerStubServer server = GuardReasonerStubServer.start()) {
            server.failAlways(StubFault.delay(SERVER_TIME));
            long heapBefore = ReliabilitySupport.usedHeapMiB();
            Result result;
            try (Guard guard = Guard.builder()
                    .backend(LocalAiBackend.builder().baseUrl(server.url()).build())
                    .cacheSize(0)
                    .maxConcurrent(CALLERS)
                    .maxQueued(CALLERS)
                    .timeout(Duration.ofSeconds(10))
                    .build()) {
                run(guard, CALLERS, Duration.ofSeconds(1)); // warm-up
                server.reset();
                server.failAlways(StubFault.delay(SERVER_TIME));
                result = run(guard, CALLERS, Duration.ofSeconds(SECONDS));
            }
            server.heal();
            assertThat(server.completionRequests()).hasSize(result.calls);
            server.reset(); // the stub's own request log is test memory, not the library's
            long heapAfter = ReliabilitySupport.usedHeapMiB();
            result.print("no overload: maxConcurrent " + CALLERS, SERVER_TIME, heapBefore, heapAfter);

            assertThat(result.failures).as("failed checks without overload").isZero();
            assertThat(result.calls).isPositive();
            // Heap after the run is back near where it started: nothing grows without bound.
            assertThat(heapAfter).isLessThan(heapBefore + 64);
        }
    }

    @Test
    void overloadIsRejectedAtTheConfiguredQueueLimitWithAClearError() throws Exception {
        try (GuardReasonerStubServer server = GuardReasonerStubServer.start()) {
            Duration slowServer = Duration.ofMillis(200);
            server.failAlways(StubFault.delay(slowServer));
            int maxConcurrent = 4;
            int maxQueued = 8;
            long heapBefore = ReliabilitySupport.usedHeapMiB();
            Result result;
            try (Guard guard = Guard.builder()
                    .backend(LocalAiBackend.builder().baseUrl(server.url()).build())
                    .cacheSize(0)
                    .maxConcurrent(maxConcurrent)
                    .maxQueued(maxQueued)
                    .timeout(Duration.ofSeconds(10))
                    .build()) {
                result = run(guard, CALLERS, Duration.ofSeconds(Math.min(SECONDS, 3)));
                assertThat(guard.queuedChecks()).isZero();
            }
            server.heal();
            long heapAfter = ReliabilitySupport.usedHeapMiB();
            result.print("overload: maxConcurrent " + maxConcurrent + ", maxQueued " + maxQueued + " (overhead includes queueing)",
                    slowServer, heapBefore, heapAfter);

            assertThat(result.overloaded).as("checks refused at the queue limit").isPositive();
            assertThat(result.failures).as("failures other than overload").isEqualTo(result.overloaded);
            assertThat(result.overloadMessage).contains("overloaded").contains("maxQueued");
            // Every refused check still ended in the input rail's failure decision (block by default).
            assertThat(result.overloadDecisions).containsOnly("block");
            assertThat(server.completionRequests()).hasSize(result.calls - result.overloaded);
        }
    }

    @Test
    void megabyteMessagesAreJudgedWithBoundedPromptsAndHeap() {
        try (GuardReasonerStubServer server = GuardReasonerStubServer.start()) {
            String megabyte = "All work and no play makes Jack a dull boy. ".repeat(24_000);
            long heapBefore = ReliabilitySupport.usedHeapMiB();
            try (Guard guard = Guard.builder().backend(LocalAiBackend.builder().baseUrl(server.url()).build()).build()) {
                for (int i = 0; i < 20; i++) {
                    Assessment a = guard.assess(Exchange.of(megabyte + i, megabyte + i), Rail.OUTPUT);
                    assertThat(a.decision().kind()).isEqualTo("allow");
                }
                int maxPrompt = server.completionRequests().stream().mapToInt(r -> r.prompt().length()).max().orElseThrow();
                assertThat(maxPrompt).isLessThan(2 * guard.prompt().maxCharsPerSide() + 2_000);
            }
            long heapAfter = ReliabilitySupport.usedHeapMiB();
            System.out.printf(Locale.ROOT, "1 MB request + 1 MB response x20: heap %d MiB before, %d MiB after%n",
                    heapBefore, heapAfter);
            assertThat(heapAfter).isLessThan(heapBefore + 64);
        }
    }

    private record Result(int calls, int failures, int overloaded, String overloadMessage, List<String> overloadDecisions,
                          double[] totalMs, double seconds) {
        /** Prints one table row; overhead is total latency minus the server's fixed time per completion. */
        void print(String scenario, Duration serverTime, long heapBefore, long heapAfter) {
            double[] total = ReliabilitySupport.sorted(totalMs);
            double[] overhead = new double[total.length];
            for (int i = 0; i < total.length; i++) overhead[i] = total[i] - serverTime.toNanos() / 1e6;
            System.out.printf(Locale.ROOT, "%n| scenario | callers | seconds | checks | checks/s | refused | p50 total ms | p99 total ms "
                            + "| p50 overhead ms | p99 overhead ms | heap before MiB | heap after MiB |%n|---|---|---|---|---|---|---|---|---|---|---|---|%n"
                            + "| %s | %d | %.0f | %d | %.0f | %d | %.1f | %.1f | %.1f | %.1f | %d | %d |%n",
                    scenario, CALLERS, seconds, calls, calls / seconds, overloaded,
                    ReliabilitySupport.percentile(total, 50), ReliabilitySupport.percentile(total, 99),
                    ReliabilitySupport.percentile(overhead, 50), ReliabilitySupport.percentile(overhead, 99),
                    heapBefore, heapAfter);
        }
    }

    private static Result run(Guard guard, int callers, Duration duration) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger overloaded = new AtomicInteger();
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> overloadDecisions = new ConcurrentLinkedQueue<>();
        String[] overloadMessage = {""};
        CountDownLatch done = new CountDownLatch(callers);
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            int caller = c;
            threads.add(Thread.ofPlatform().name("load-caller-" + c).start(() -> {
                try {
                    for (int i = 0; System.nanoTime() < end; i++) {
                        Assessment a = guard.checkRequest("caller " + caller + " message " + i);
                        calls.incrementAndGet();
                        if (a.failure().isPresent()) {
                            failures.incrementAndGet();
                            if (a.failure().get().kind() == GuardFailure.Kind.OVERLOADED) {
                                overloaded.incrementAndGet();
                                overloadMessage[0] = a.failure().get().message();
                                overloadDecisions.add(a.decision().kind());
                                Thread.sleep(5); // a refused caller backs off briefly, as a client would
                            }
                        } else {
                            latencies.add(a.latency().toNanos() / 1e6);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }));
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] totals = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        return new Result(calls.get(), failures.get(), overloaded.get(), overloadMessage[0],
                List.copyOf(overloadDecisions.stream().distinct().toList()), totals, seconds);
    }
}
