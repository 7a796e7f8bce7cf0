package io.guardreasoner.core;

import io.guardreasoner.core.internal.Durations;
import io.guardreasoner.core.internal.Exceptions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The single entry point: judges an exchange with GuardReasoner and decides what to do with it.
 *
 * <p>One check renders the prompt once, asks the backend once (twice when an early stop gave no label), parses
 * the text once and asks the policy once. Every call ends in an {@link Assessment} whose decision the policy
 * named: backend errors, timeouts and overload become the policy's failure decision, never an exception.
 *
 * <pre>{@code
 * Guard guard = Guard.builder()
 *         .backend(backend)
 *         .cacheSize(1_000)
 *         .timeout(Duration.ofSeconds(60))
 *         .build();
 * Assessment a = guard.checkRequest("How do I bake bread?");
 * }</pre>
 */
public final class Guard implements AutoCloseable {

    /** Where the input rail stops generating: Task 1's conclusion is out by then. */
    static final String TASK_2_HEADER = "# Task 2";

    private static final System.Logger LOG = System.getLogger(Guard.class.getName());

    private final GuardBackend backend;
    private final GuardPrompt prompt;
    private final VerdictParser parser = VerdictParser.standard();
    private final GuardPolicy policy;
    private final VerdictCache cache;
    /** Checks running now, by cache key: an identical check joins the running one instead of asking the model again. */
    private final ConcurrentHashMap<String, CompletableFuture<Assessment>> inFlight = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final int maxTokens;
    private final boolean earlyStop;
    private final List<AssessmentListener> listeners;
    private final ThreadPoolExecutor executor;

    private Guard(Builder b) {
        this.backend = Objects.requireNonNull(b.backend, "backend is required: Guard.builder().backend(...)");
        this.prompt = b.prompt;
        this.policy = b.policy();
        this.cache = new VerdictCache(b.cacheSize);
        this.timeout = b.timeout;
        this.maxTokens = b.maxTokens;
        this.earlyStop = b.earlyStop;
        this.listeners = List.copyOf(b.listeners);
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(b.maxConcurrent, b.maxConcurrent, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.maxQueued), r -> {
                    Thread t = new Thread(r, "guardreasoner-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Input rail: judges a user message on its own. */
    public Assessment checkRequest(String request) {
        return assess(Exchange.request(request), Rail.INPUT);
    }

    /** Output rail: judges an AI answer together with the user message it answers. */
    public Assessment checkResponse(String request, String response) {
        return assess(Exchange.of(request, response), Rail.OUTPUT);
    }

    /**
     * Judges an exchange on a rail and returns the policy's decision. Blocks until the verdict, the timeout or a
     * failure; never throws for backend trouble. Listeners run on the calling thread, before this returns.
     */
    public Assessment assess(Exchange exchange, Rail rail) {
        long start = System.nanoTime();
        CompletableFuture<Assessment> future = evaluate(exchange, rail);
        Assessment assessment;
        try {
            assessment = future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            assessment = failed(rail, start,
                    GuardFailure.of(GuardFailure.Kind.INTERRUPTED, "interrupted while waiting for the guard", e));
        } catch (ExecutionException e) {
            // evaluate completes normally in every case; this is a bug.
            throw new IllegalStateException("guard assessment failed unexpectedly", e.getCause());
        }
        return notify(exchange, assessment);
    }

    /**
     * Like {@link #assess}, without blocking. The future always completes normally, within the timeout; listeners
     * run on the thread that completes it, before dependent stages.
     */
    public CompletableFuture<Assessment> assessAsync(Exchange exchange, Rail rail) {
        return evaluate(exchange, rail).thenApply(assessment -> notify(exchange, assessment));
    }

    /** The assessment, without telling the listeners yet. */
    private CompletableFuture<Assessment> evaluate(Exchange exchange, Rail rail) {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(rail, "rail");
        long start = System.nanoTime();
        String text = prompt.render(exchange);
        String key = VerdictCache.key(backend.modelId(), rail, text);
        Assessment cached = cache.get(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached.servedAgain(Assessment.Source.CACHE, since(start)));
        }
        CompletableFuture<Assessment> mine = new CompletableFuture<>();
        CompletableFuture<Assessment> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            // The same check is running: share its model call; this caller's own assessment gets its own timing.
            return running.thenApply(a -> a.source() == Assessment.Source.MODEL
                    ? a.servedAgain(Assessment.Source.SHARED, since(start)) : a.withLatency(since(start)));
        }
        runModel(text, key, rail, start).whenComplete((assessment, error) -> {
            inFlight.remove(key, mine);
            if (error != null) mine.completeExceptionally(error);
            else mine.complete(assessment);
        });
        return mine;
    }

    /** Asks the backend on a worker, within the timeout; always completes normally with an assessment. */
    private CompletableFuture<Assessment> runModel(String text, String key, Rail rail, long start) {
        Instant deadline = Instant.now().plus(timeout);
        CompletableFuture<ModelRun> run = new CompletableFuture<>();
        Future<?> task;
        try {
            task = executor.submit(() -> {
                try {
                    run.complete(generateVerdict(text, rail, deadline));
                } catch (Throwable t) {
                    run.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(failed(rail, start, GuardFailure.of(
                    GuardFailure.Kind.OVERLOADED, "the guard is overloaded: " + executor.getQueue().size()
                            + " checks are already waiting; raise maxQueued or maxConcurrent", e)));
        }
        return run.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((model, error) -> {
            if (error == null) {
                Decision decision = policy.decide(rail, model.verdict);
                Assessment assessment = new Assessment(rail, decision, Optional.of(model.verdict),
                        Assessment.Source.MODEL, Optional.empty(), since(start), model.backendTime,
                        model.promptTokens, model.generatedTokens, backend.modelId());
                if (hasNeededLabel(rail, model.verdict)) cache.put(key, assessment);
                return assessment;
            }
            task.cancel(true);
            return failed(rail, start, failureOf(error));
        });
    }

    private ModelRun generateVerdict(String text, Rail rail, Instant deadline) {
        long start = System.nanoTime();
        GenerationOptions full = GenerationOptions.maxTokens(maxTokens).withDeadline(deadline);
        Generation generation;
        Verdict verdict;
        if (earlyStop && rail == Rail.INPUT) {
            generation = backend.generate(text, full.withStopSequences(List.of(TASK_2_HEADER)));
            verdict = parser.parse(generation.text());
            if (verdict.request().isEmpty() && generation.finishReason() == Generation.FinishReason.STOP_SEQUENCE) {
                // Task 1 gave no clear label: let the model finish all three tasks.
                generation = backend.generate(text, full);
                verdict = parser.parse(generation.text());
            }
        } else {
            generation = backend.generate(text, full);
            verdict = parser.parse(generation.text());
        }
        return new ModelRun(verdict, since(start), generation.promptTokens(), generation.generatedTokens());
    }

    private record ModelRun(Verdict verdict, Duration backendTime, OptionalInt promptTokens,
                            OptionalInt generatedTokens) { }

    private static boolean hasNeededLabel(Rail rail, Verdict verdict) {
        return rail == Rail.INPUT ? verdict.request().isPresent() : verdict.response().isPresent();
    }

    private GuardFailure failureOf(Throwable error) {
        Throwable cause = error instanceof CompletionException || error instanceof ExecutionException
                ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            return GuardFailure.of(GuardFailure.Kind.TIMEOUT,
                    "no verdict within " + timeout.toMillis() + " ms; raise the guard timeout or use a faster backend", cause);
        }
        if (cause instanceof CancellationException) {
            return GuardFailure.of(GuardFailure.Kind.INTERRUPTED, "the check was cancelled", cause);
        }
        return GuardFailure.of(GuardFailure.Kind.BACKEND_ERROR,
                backend.name() + " failed: " + Exceptions.describe(cause), cause);
    }

    private Assessment failed(Rail rail, long start, GuardFailure failure) {
        // Overload is logged quietly: it comes in floods exactly when the system is busiest; metrics count it.
        System.Logger.Level level = failure.kind() == GuardFailure.Kind.OVERLOADED
                ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
        LOG.log(level, "GuardReasoner {0} check failed ({1}): {2}", rail.label(), failure.kind().label(),
                failure.message());
        Decision decision = policy.onFailure(rail, failure);
        return new Assessment(rail, decision, Optional.empty(), Assessment.Source.FAILURE,
                Optional.of(failure), since(start), Duration.ZERO, OptionalInt.empty(), OptionalInt.empty(),
                backend.modelId());
    }

    private Assessment notify(Exchange exchange, Assessment assessment) {
        for (AssessmentListener listener : listeners) {
            try {
                listener.onAssessment(exchange, assessment);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "assessment listener " + listener + " failed; decision unchanged", e);
            }
        }
        return assessment;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    public GuardBackend backend() {
        return backend;
    }

    public GuardPolicy policy() {
        return policy;
    }

    public GuardPrompt prompt() {
        return prompt;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Checks waiting for a free worker right now. */
    public int queuedChecks() {
        return executor.getQueue().size();
    }

    /** Entries in the verdict cache right now. */
    public int cachedVerdicts() {
        return cache.size();
    }

    /** Stops the workers and closes the backend. Checks still running are interrupted. */
    @Override
    public void close() {
        executor.shutdownNow();
        backend.close();
    }

    /** Builds a {@link Guard}. Only {@link #backend} is required. */
    public static final class Builder {
        private GuardBackend backend;
        private GuardPrompt prompt = GuardPrompt.modelCard();
        private GuardPolicy policy;
        private int cacheSize = 1_000;
        private Duration timeout = Duration.ofSeconds(120);
        private int maxTokens = GenerationOptions.DEFAULT_MAX_TOKENS;
        private boolean earlyStop = true;
        private int maxConcurrent = 4;
        private int maxQueued = 256;
        private RailPolicy input;
        private RailPolicy output;
        private final List<AssessmentListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** Where the model runs. Required. */
        public Builder backend(GuardBackend backend) {
            this.backend = backend;
            return this;
        }

        /** The prompt layout and per-side length cap. Default: {@link GuardPrompt#modelCard()}. */
        public Builder prompt(GuardPrompt prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
            return this;
        }

        /**
         * The whole policy, for rules {@link RailPolicy} cannot express. Default: the standard policy with
         * {@link RailPolicy#inputDefaults()} and {@link RailPolicy#outputDefaults()}, fail-closed on both rails.
         * Give either this or {@link #inputPolicy}/{@link #outputPolicy}, not both.
         */
        public Builder policy(GuardPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            requireOnePolicySource();
            return this;
        }

        /** The standard policy's input rules; the output rules are {@link #outputPolicy}'s or the defaults. */
        public Builder inputPolicy(RailPolicy input) {
            this.input = Objects.requireNonNull(input, "input");
            requireOnePolicySource();
            policy(); // a rule the rail cannot take fails here, where it was set
            return this;
        }

        /** The standard policy's output rules; the input rules are {@link #inputPolicy}'s or the defaults. */
        public Builder outputPolicy(RailPolicy output) {
            this.output = Objects.requireNonNull(output, "output");
            requireOnePolicySource();
            policy(); // a rule the rail cannot take fails here, where it was set
            return this;
        }

        private void requireOnePolicySource() {
            if (policy != null && (input != null || output != null)) {
                throw new IllegalStateException("give either policy(...) or inputPolicy(...)/outputPolicy(...), not "
                        + "both: one would replace the other. Build a whole policy with GuardPolicy.builder()"
                        + ".input(...).output(...).build(), or set the rails one by one");
            }
        }

        private GuardPolicy policy() {
            if (policy != null) return policy;
            return GuardPolicy.builder()
                    .input(input != null ? input : RailPolicy.inputDefaults())
                    .output(output != null ? output : RailPolicy.outputDefaults())
                    .build();
        }

        /** Verdicts kept for exact repeats (same model, rail, prompt). 0 turns the cache off. Default 1,000. */
        public Builder cacheSize(int cacheSize) {
            if (cacheSize < 0) throw new IllegalArgumentException("cacheSize must be 0 or more, was " + cacheSize);
            this.cacheSize = cacheSize;
            return this;
        }

        /** The most one check may take, queueing included; then the failure policy applies. Default 120 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Durations.requirePositive(timeout, "timeout");
            return this;
        }

        /** Most tokens the model may generate per check. Default 1,024. */
        public Builder maxTokens(int maxTokens) {
            if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
            this.maxTokens = maxTokens;
            return this;
        }

        /** On the input rail, stop once Task 1 is answered (at {@code # Task 2}). Default on. */
        public Builder earlyStop(boolean earlyStop) {
            this.earlyStop = earlyStop;
            return this;
        }

        /** Checks that run at once. Default 4. */
        public Builder maxConcurrent(int maxConcurrent) {
            if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent must be at least 1, was " + maxConcurrent);
            this.maxConcurrent = maxConcurrent;
            return this;
        }

        /** Checks that may wait for a worker; more are refused with an OVERLOADED failure. Default 256. */
        public Builder maxQueued(int maxQueued) {
            if (maxQueued < 1) throw new IllegalArgumentException("maxQueued must be at least 1, was " + maxQueued);
            this.maxQueued = maxQueued;
            return this;
        }

        /** Adds a listener that sees every assessment. */
        public Builder listener(AssessmentListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public Guard build() {
            return new Guard(this);
        }
    }
}
