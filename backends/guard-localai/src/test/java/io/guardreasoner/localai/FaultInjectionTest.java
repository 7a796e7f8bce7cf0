package io.guardreasoner.localai;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.localai.LocalAiBackend;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten thousand guarded turns through real LocalAI-compatible servers on loopback that misbehave on purpose:
 * HTTP 500, hangs past the timeout, non-JSON bodies, empty choices, cut-off text, dropped connections, refused
 * connections and slow drip. Each turn's fault is chosen by a tag in its text, so every turn has one expected
 * outcome, and every turn must end in exactly that decision: none lost, doubled or left hanging. Threads and
 * sockets are counted before and after. Run longer with {@code -Dguardreasoner.faults.turns=N}.
 */
class FaultInjectionTest {

    private static final int TURNS = Integer.getInteger("guardreasoner.faults.turns", 10_000);
    private static final int CALLERS = 32;
    private static final int WARM_UP_TURNS = 100;
    private static final Duration GUARD_TIMEOUT = Duration.ofSeconds(1);
    /** Keeps the expected WARNING per failed check out of the build log; the table below reports them. */
    private static final java.util.logging.Logger GUARD_LOG = java.util.logging.Logger.getLogger("io.guardreasoner.core.Guard");
    private static final String INCOMPLETE_REWRITE = "[the guard was unsure]";

    /** What a turn's text asks the servers to do. */
    enum Fault {
        NONE, HARMFUL, HTTP_500, GARBAGE, EMPTY_CHOICES, DISCONNECT, DROP_MID_BODY, HANG, SLOW_DRIP, CUT_OFF, ALL_DOWN;

        String tag() {
            return "[fault:" + name() + "]";
        }

        static Fault of(int turn) {
            return switch (turn % 20) {
                case 0, 1, 2, 3, 4, 5, 6, 7 -> NONE;
                case 8, 9 -> HARMFUL;
                case 10 -> HTTP_500;
                case 11 -> GARBAGE;
                case 12 -> EMPTY_CHOICES;
                case 13 -> DISCONNECT;
                case 14 -> DROP_MID_BODY;
                case 15 -> HANG;
                case 16 -> SLOW_DRIP;
                case 17, 18 -> CUT_OFF;
                default -> ALL_DOWN;
            };
        }
    }

    /** The one outcome the policy names for each fault. */
    record Expected(Assessment.Source source, String decision, GuardFailure.Kind failure) { }

    private static Expected expected(Fault fault) {
        return switch (fault) {
            // Answered by the primaries (or, after failover, by the fallback server): the verdict decides.
            case NONE, HTTP_500, GARBAGE, EMPTY_CHOICES, DISCONNECT, DROP_MID_BODY -> new Expected(Assessment.Source.MODEL, "allow", null);
            case HARMFUL -> new Expected(Assessment.Source.MODEL, "block", null);
            // A 200 with text cut before any label: the verdict is incomplete.
            case CUT_OFF -> new Expected(Assessment.Source.MODEL, "rewrite", null);
            // No answer in time: the failure policy.
            case HANG, SLOW_DRIP -> new Expected(Assessment.Source.FAILURE, "block", GuardFailure.Kind.TIMEOUT);
            // Every server failed: the failure policy.
            case ALL_DOWN -> new Expected(Assessment.Source.FAILURE, "block", GuardFailure.Kind.BACKEND_ERROR);
        };
    }

    @Test
    void everyTurnEndsInThePolicysDecisionForItsFault() throws Exception {
        java.util.logging.Level level = GUARD_LOG.getLevel();
        GUARD_LOG.setLevel(java.util.logging.Level.SEVERE);
        try {
            runTurns();
        } finally {
            GUARD_LOG.setLevel(level);
        }
    }

    private void runTurns() throws Exception {
        GuardScript script = GuardScript.create()
                .when(e -> e.request().contains(Fault.HARMFUL.tag())).answer(Harm.HARMFUL, null, null);
        try (GuardReasonerStubServer primaryA = GuardReasonerStubServer.start(script);
             GuardReasonerStubServer primaryB = GuardReasonerStubServer.start(script);
             GuardReasonerStubServer fallbackServer = GuardReasonerStubServer.start(script)) {
            for (GuardReasonerStubServer primary : List.of(primaryA, primaryB)) {
                primary.failWhen(tagged(Fault.HTTP_500), StubFault.status(500))
                        .failWhen(tagged(Fault.GARBAGE), StubFault.garbage())
                        .failWhen(tagged(Fault.EMPTY_CHOICES), StubFault.emptyChoices())
                        .failWhen(tagged(Fault.DISCONNECT), StubFault.disconnect())
                        .failWhen(tagged(Fault.DROP_MID_BODY), StubFault.dropMidBody())
                        .failWhen(tagged(Fault.HANG), StubFault.delay(Duration.ofSeconds(3)))
                        .failWhen(tagged(Fault.SLOW_DRIP), StubFault.slowDrip(Duration.ofMillis(150)))
                        .failWhen(tagged(Fault.CUT_OFF), StubFault.cutOff(12))
                        .failWhen(tagged(Fault.ALL_DOWN), StubFault.status(503));
            }
            fallbackServer.failWhen(tagged(Fault.ALL_DOWN), StubFault.status(500));

            // The JDK's shared timer thread for CompletableFuture timeouts starts once per JVM; start it before counting.
            new java.util.concurrent.CompletableFuture<Void>().completeOnTimeout(null, 1, TimeUnit.MILLISECONDS).join();
            Set<String> namesBefore = ReliabilitySupport.libraryThreadNames();
            int threadsBefore = ReliabilitySupport.libraryThreads();
            int socketsBefore = ReliabilitySupport.openSockets();

            GuardBackend primaries = LocalAiBackend.builder()
                    .baseUrls(List.of(primaryA.url(), ReliabilitySupport.refusedUrl(), primaryB.url()))
                    .timeout(Duration.ofSeconds(5))
                    .connectTimeout(Duration.ofSeconds(1))
                    .build();
            GuardBackend fallback = LocalAiBackend.builder().baseUrl(fallbackServer.url()).build();
            GuardPolicy policy = GuardPolicy.builder()
                    .input(RailPolicy.inputDefaults()
                            .withOnIncomplete(GuardAction.REWRITE)
                            .withRewriteMessage(INCOMPLETE_REWRITE))
                    .build();
            Map<Integer, Integer> listenerCalls = new ConcurrentHashMap<>();
            Map<Fault, Map<String, AtomicInteger>> outcomes = new EnumMap<>(Fault.class);
            for (Fault f : Fault.values()) outcomes.put(f, new ConcurrentHashMap<>());
            List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());

            long start = System.nanoTime();
            try (Guard guard = Guard.builder()
                    .backend(FallbackBackend.of(primaries, fallback))
                    .policy(policy)
                    .timeout(GUARD_TIMEOUT)
                    .cacheSize(0)
                    .maxConcurrent(CALLERS)
                    .listener((exchange, assessment) -> listenerCalls.merge(turnOf(exchange), 1, Integer::sum))
                    .build()) {
                // Warm up class loading, JIT and connections, so the timeout measures the faults, not a cold JVM.
                for (int i = 0; i < WARM_UP_TURNS; i++) guard.checkRequest("warm-up " + i);
                listenerCalls.clear();
                ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
                List<Future<?>> turns = new ArrayList<>();
                for (int i = 0; i < TURNS; i++) {
                    int turn = i;
                    turns.add(callers.submit(() -> {
                        Fault fault = Fault.of(turn);
                        Assessment a = guard.checkRequest("turn " + turn + " " + fault.tag() + " tell me about bread");
                        Expected want = expected(fault);
                        Expected got = new Expected(a.source(), a.decision().kind(),
                                a.failure().map(GuardFailure::kind).orElse(null));
                        outcomes.get(fault).computeIfAbsent(describe(got), k -> new AtomicInteger()).incrementAndGet();
                        if (!got.equals(want)) wrong.add("turn " + turn + " " + fault + ": expected " + want + ", got " + got
                                + a.failure().map(f -> " (" + f.message() + ")").orElse(""));
                        if (fault == Fault.CUT_OFF && !(a.decision() instanceof Decision.Rewrite r && r.text().equals(INCOMPLETE_REWRITE))) {
                            wrong.add("turn " + turn + ": incomplete verdict not rewritten with the configured message");
                        }
                    }));
                }
                callers.shutdown();
                // None left hanging: every turn finishes well within its timeout.
                assertThat(callers.awaitTermination(5, TimeUnit.MINUTES)).as("all turns finished").isTrue();
                for (Future<?> turn : turns) turn.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            fallback.close();

            printTable(outcomes, seconds, fallbackServer.completionRequests().size());
            assertThat(outcomes.values().stream().flatMap(m -> m.values().stream()).mapToInt(AtomicInteger::get).sum())
                    .as("turns counted").isEqualTo(TURNS);
            assertThat(wrong).as("turns that did not end in their expected decision").isEmpty();
            // None lost or doubled: the listener saw each turn exactly once.
            assertThat(listenerCalls).hasSize(TURNS);
            assertThat(Set.copyOf(listenerCalls.values())).containsExactly(1);
            // Failover and fallback were really exercised.
            assertThat(fallbackServer.completionRequests()).isNotEmpty();
            assertThat(primaryB.completionRequests()).isNotEmpty();

            int threadsAfter = ReliabilitySupport.settle(ReliabilitySupport::libraryThreads, threadsBefore, Duration.ofSeconds(10));
            int socketsAfter = ReliabilitySupport.settle(ReliabilitySupport::openSockets, socketsBefore, Duration.ofSeconds(10));
            System.out.printf(Locale.ROOT, "threads before %d, after %d; sockets before %d, after %d%n",
                    threadsBefore, threadsAfter, socketsBefore, socketsAfter);
            assertThat(threadsAfter).as("library threads after close; new: %s", newThreads(namesBefore))
                    .isLessThanOrEqualTo(threadsBefore);
            assertThat(socketsAfter).as("open sockets after close").isLessThanOrEqualTo(socketsBefore);
        }
    }

    private static Set<String> newThreads(Set<String> before) {
        Set<String> now = new java.util.TreeSet<>(ReliabilitySupport.libraryThreadNames());
        now.removeAll(before);
        return now;
    }

    private static java.util.function.Predicate<Exchange> tagged(Fault fault) {
        return e -> e.request().contains(fault.tag());
    }

    private static int turnOf(Exchange exchange) {
        String request = exchange.request();
        if (request.startsWith("warm-up")) return -1 - Integer.parseInt(request.substring(8));
        return Integer.parseInt(request.substring(5, request.indexOf(' ', 5)));
    }

    private static String describe(Expected outcome) {
        return outcome.source().label() + "/" + outcome.decision()
                + (outcome.failure() == null ? "" : "/" + outcome.failure().label());
    }

    private static void printTable(Map<Fault, Map<String, AtomicInteger>> outcomes, double seconds, int fallbackCalls) {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "%n%d guarded turns, %d callers, guard timeout %d ms, %.1f s, %d answered by the fallback server%n"
                        + "| fault | turns | outcome (source/decision/failure) |%n|---|---|---|%n",
                TURNS, CALLERS, GUARD_TIMEOUT.toMillis(), seconds, fallbackCalls));
        outcomes.forEach((fault, counts) -> {
            int total = counts.values().stream().mapToInt(AtomicInteger::get).sum();
            table.append("| ").append(fault.name().toLowerCase(Locale.ROOT)).append(" | ").append(total).append(" | ")
                    .append(new TreeMap<>(counts)).append(" |\n");
        });
        System.out.print(table);
    }
}
