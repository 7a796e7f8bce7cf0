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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The single entry point: judges an exchange with GuardReasoner and decides what to do with it.
 *
 * <p>One check renders the prompt once, asks the backend (once, or twice when a shortened generation did not give the
 * label the rail needs, then continuing where it stopped), parses the text once and asks the policy once. Every call
 * ends in an {@link Assessment} whose decision the policy named: backend errors, timeouts and overload become the
 * policy's failure decision, never an exception.
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

    /** Where the output rail may stop generating: Task 3's conclusion is out, the final answer block starts. */
    static final String ANSWERS_HEADER = "\nAnswers:";

    /** What the label probe writes after a cut Task 1: the start of the answer block, up to the request's label. */
    static final String PROBE_SUFFIX = "---\n\nAnswers: \nRequest:";

    private static final System.Logger LOG = System.getLogger(Guard.class.getName());

    private final GuardBackend inputBackend;
    private final GuardBackend outputBackend;
    private final GuardPrompt prompt;
    private final VerdictParser parser = VerdictParser.standard();
    private final GuardPolicy policy;
    private final VerdictCache cache;
    private final Duration timeout;
    private final int maxTokens;
    private final boolean earlyStop;
    private final Boolean outputEarlyStop;
    private final boolean labelProbe;
    private final int topLogprobs;
    private final List<AssessmentListener> listeners;
    private final ThreadPoolExecutor executor;
    private final Prefiller prefiller;
    /** Checks running now, by cache key: an identical check joins the running one instead of asking the model again. */
    private final ConcurrentHashMap<String, CompletableFuture<Assessment>> inFlight = new ConcurrentHashMap<>();

    private Guard(Builder b) {
        if (b.inputBackend == null || b.outputBackend == null) {
            throw new NullPointerException("backend is required: Guard.builder().backend(...), or inputBackend(...) "
                    + "and outputBackend(...)");
        }
        this.inputBackend = b.inputBackend;
        this.outputBackend = b.outputBackend;
        this.prompt = b.prompt;
        this.policy = b.policy();
        this.cache = new VerdictCache(b.cacheSize);
        this.timeout = b.timeout;
        this.maxTokens = b.maxTokens;
        this.earlyStop = b.earlyStop;
        this.outputEarlyStop = b.outputEarlyStop;
        this.labelProbe = b.labelProbe;
        this.topLogprobs = b.topLogprobs;
        this.listeners = List.copyOf(b.listeners);
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(b.maxConcurrent, b.maxConcurrent, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.maxQueued), r -> {
                    Thread t = new Thread(r, "guardreasoner-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
        this.prefiller = new Prefiller(outputBackend);
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
        return assess(exchange, rail, policy);
    }

    /**
     * Like {@link #assess(Exchange, Rail)}, deciding with {@code policy} instead of the guard's own: one guard (one
     * model, one cache) can serve AI services with different rules. The verdict does not depend on the policy, so a
     * cached or shared verdict is decided anew.
     */
    public Assessment assess(Exchange exchange, Rail rail, GuardPolicy policy) {
        long start = System.nanoTime();
        CompletableFuture<Assessment> future = evaluate(exchange, rail, policy);
        Assessment assessment;
        try {
            assessment = future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            assessment = failed(rail, policy, start, 0,
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
        return assessAsync(exchange, rail, policy);
    }

    /** Like {@link #assess(Exchange, Rail, GuardPolicy)}, without blocking. */
    public CompletableFuture<Assessment> assessAsync(Exchange exchange, Rail rail, GuardPolicy policy) {
        return evaluate(exchange, rail, policy).thenApply(assessment -> notify(exchange, assessment));
    }

    /**
     * Tells the output rail's backend, while an answer still streams in, what the prompt of its coming check starts
     * with, so that it can compute that much ahead ({@link GuardBackend#prefill}); the check that follows gives the
     * same verdict as without it. Returns at once: the work runs on one background thread, and only the latest text
     * given counts when the backend is busy.
     */
    public void prefill(String request, String partialResponse) {
        String text = prompt.render(Exchange.of(request, partialResponse));
        prefiller.offer(text.substring(0, text.length() - 2)); // without the closing "\n\n": the answer goes on
    }

    /** The assessment, without telling the listeners yet. */
    private CompletableFuture<Assessment> evaluate(Exchange exchange, Rail rail, GuardPolicy policy) {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(rail, "rail");
        Objects.requireNonNull(policy, "policy");
        long start = System.nanoTime();
        GuardPrompt.Rendered rendered = prompt.renderDetailed(exchange);
        boolean stopsEarly = stopsEarly(rail, policy);
        boolean allLabels = policy.readsAllLabels(rail);
        // How the verdict was generated is part of the key: an early-stopped verdict may lack labels another
        // policy reads.
        String key = VerdictCache.key(backend(rail).modelId(), rail.name() + (stopsEarly ? ":early" : "")
                + (stopsEarly && allLabels ? "+all" : ""), rendered.text());
        Assessment cached = cache.get(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(decided(cached.servedAgain(Assessment.Source.CACHE, since(start)),
                    rail, policy, since(start)));
        }
        CompletableFuture<Assessment> mine = new CompletableFuture<>();
        CompletableFuture<Assessment> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            // The same check is running: share its model call; this caller gets its own timing and decision.
            return running.thenApply(a -> decided(a.source() == Assessment.Source.MODEL
                    ? a.servedAgain(Assessment.Source.SHARED, since(start)) : a, rail, policy, since(start)));
        }
        runModel(rendered, key, rail, policy, stopsEarly, allLabels, start).whenComplete((assessment, error) -> {
            inFlight.remove(key, mine);
            if (error != null) mine.completeExceptionally(error);
            else mine.complete(assessment);
        });
        return mine;
    }

    /** Asks the backend on a worker, within the timeout; always completes normally with an assessment. */
    private CompletableFuture<Assessment> runModel(GuardPrompt.Rendered rendered, String key, Rail rail,
                                                   GuardPolicy policy, boolean stopsEarly, boolean allLabels,
                                                   long start) {
        Instant deadline = Instant.now().plus(timeout);
        CompletableFuture<ModelRun> run = new CompletableFuture<>();
        Future<?> task;
        try {
            task = executor.submit(() -> {
                try {
                    run.complete(generateVerdict(rendered.text(), rail, stopsEarly, allLabels, deadline));
                } catch (Throwable t) {
                    run.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(failed(rail, policy, start, rendered.neutralized(), GuardFailure.of(
                    GuardFailure.Kind.OVERLOADED, "the guard is overloaded: " + executor.getQueue().size()
                            + " checks are already waiting; raise maxQueued or maxConcurrent", e)));
        }
        return run.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((model, error) -> {
            if (error == null) {
                Decision decision = policy.decide(rail, model.verdict);
                Assessment assessment = new Assessment(rail, decision, Optional.of(model.verdict),
                        Assessment.Source.MODEL, Optional.empty(), since(start), model.backendTime,
                        model.promptTokens, model.generatedTokens, backend(rail).modelId(), policy.enforces(),
                        rendered.neutralized());
                if (hasNeededLabels(rail, model.verdict, allLabels)) cache.put(key, assessment);
                return assessment;
            }
            task.cancel(true);
            return failed(rail, policy, start, rendered.neutralized(), failureOf(rail, error));
        });
    }

    /**
     * Generates and parses a verdict. The input rail stops after Task 1 (at {@code # Task 2}) and the output rail
     * after Task 3's conclusion (before the answer block) when early stop applies; when the text up to there gives no
     * label for the rail, generation continues where it stopped (or, for the input rail with the label probe on, the
     * model is first asked for the request's label right away).
     */
    private ModelRun generateVerdict(String text, Rail rail, boolean stopsEarly, boolean allLabels, Instant deadline) {
        long start = System.nanoTime();
        GuardBackend backend = backend(rail);
        GenerationOptions full = GenerationOptions.maxTokens(maxTokens).withDeadline(deadline).withTopLogprobs(topLogprobs);
        Generation generation;
        Verdict verdict;
        if (stopsEarly) {
            String stop = rail == Rail.INPUT ? TASK_2_HEADER : ANSWERS_HEADER;
            generation = backend.generate(text, full.withStopSequences(List.of(stop)));
            verdict = read(generation);
            if (!hasNeededLabels(rail, verdict, allLabels)
                    && generation.finishReason() == Generation.FinishReason.STOP_SEQUENCE) {
                Optional<Verdict> probed = rail == Rail.INPUT && labelProbe
                        ? probe(backend, text, generation, full) : Optional.empty();
                if (probed.isPresent()) {
                    verdict = probed.get();
                } else {
                    // The shortened text gave no label: let the model go on from where it stopped.
                    int left = maxTokens - generation.generatedTokens().orElse(0);
                    if (left > 0) {
                        generation = backend.resume(text, generation, full.withMaxTokens(left));
                        verdict = read(generation);
                    }
                }
            }
        } else {
            generation = backend.generate(text, full);
            verdict = read(generation);
        }
        return new ModelRun(verdict, since(start), generation.promptTokens(), generation.generatedTokens());
    }

    /**
     * Parses a generation and reads the model's confidence in its labels from its tokens. A text a stop sequence
     * ended holds no final answer block of the model's own: only its reasoning counts.
     */
    private Verdict read(Generation generation) {
        Verdict verdict = generation.finishReason() == Generation.FinishReason.STOP_SEQUENCE
                ? parser.parseReasoning(generation.text()) : parser.parse(generation.text());
        return verdict.withConfidence(ConfidenceReader.read(verdict, generation.written(), 0, generation.tokens()));
    }

    /**
     * The label probe: after a cut Task 1 that states no clear label, writes the start of the answer block and reads
     * the token the model puts after {@code Request:}. The label is then conditioned on Task 1 alone.
     */
    private Optional<Verdict> probe(GuardBackend backend, String text, Generation task1, GenerationOptions full) {
        String written = task1.text() + PROBE_SUFFIX;
        Generation answer = backend.generate(text + written, full.withMaxTokens(4)
                .withStopSequences(List.of("\n")).withTopLogprobs(Math.max(topLogprobs, 5)));
        Verdict verdict = parser.parse(written + answer.text());
        if (verdict.request().isEmpty()) return Optional.empty();
        return Optional.of(verdict.withConfidence(
                ConfidenceReader.read(verdict, written + answer.written(), written.length(), answer.tokens())));
    }

    /** Early stop applies to the input rail when on, and to the output rail when on or unset with no complete block needed. */
    private boolean stopsEarly(Rail rail, GuardPolicy policy) {
        if (rail == Rail.INPUT) return earlyStop;
        return outputEarlyStop != null ? outputEarlyStop : !policy.needsCompleteVerdict(Rail.OUTPUT);
    }

    private record ModelRun(Verdict verdict, Duration backendTime, OptionalInt promptTokens,
                            OptionalInt generatedTokens) { }

    /** The label of the text the rail guards, and on the output rail with {@code all} the other two as well. */
    private static boolean hasNeededLabels(Rail rail, Verdict verdict, boolean all) {
        if (rail == Rail.INPUT) return verdict.request().isPresent();
        return verdict.response().isPresent()
                && (!all || (verdict.request().isPresent() && verdict.completion().isPresent()));
    }

    /** An assessment made for another caller, decided by this caller's policy. */
    private static Assessment decided(Assessment a, Rail rail, GuardPolicy policy, Duration latency) {
        Decision decision = a.verdict().map(v -> policy.decide(rail, v))
                .orElseGet(() -> policy.onFailure(rail, a.failure().orElseThrow()));
        return a.forCaller(latency, decision, policy.enforces());
    }

    private GuardFailure failureOf(Rail rail, Throwable error) {
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
                backend(rail).name() + " failed: " + Exceptions.describe(cause), cause);
    }

    private Assessment failed(Rail rail, GuardPolicy policy, long start, int neutralized, GuardFailure failure) {
        // Overload is logged quietly: it comes in floods exactly when the system is busiest; metrics count it.
        System.Logger.Level level = failure.kind() == GuardFailure.Kind.OVERLOADED
                ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
        LOG.log(level, "GuardReasoner {0} check failed ({1}): {2}", rail.label(), failure.kind().label(),
                failure.message());
        Decision decision = policy.onFailure(rail, failure);
        return new Assessment(rail, decision, Optional.empty(), Assessment.Source.FAILURE,
                Optional.of(failure), since(start), Duration.ZERO, OptionalInt.empty(), OptionalInt.empty(),
                backend(rail).modelId(), policy.enforces(), neutralized);
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

    /** The backend that judges this rail. */
    public GuardBackend backend(Rail rail) {
        return rail == Rail.INPUT ? inputBackend : outputBackend;
    }

    /** The guard's own policy, used when a call names none. */
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

    /** Stops the workers and closes the backends. Checks still running are interrupted. */
    @Override
    public void close() {
        executor.shutdownNow();
        prefiller.close();
        try {
            inputBackend.close();
        } finally {
            if (outputBackend != inputBackend) outputBackend.close();
        }
    }

    /** Builds a {@link Guard}. Only {@link #backend} (or both rail backends) is required. */
    public static final class Builder {
        private GuardBackend inputBackend;
        private GuardBackend outputBackend;
        private GuardPrompt prompt = GuardPrompt.modelCard();
        private GuardPolicy policy;
        private int cacheSize = 1_000;
        private Duration timeout = Duration.ofSeconds(120);
        private int maxTokens = GenerationOptions.DEFAULT_MAX_TOKENS;
        private boolean earlyStop = true;
        private Boolean outputEarlyStop;
        private boolean labelProbe;
        private int topLogprobs = 5;
        private int maxConcurrent = 4;
        private int maxQueued = 256;
        private RailPolicy input;
        private RailPolicy output;
        private final List<AssessmentListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** Where the model runs, for both rails. Required unless both rails get their own. */
        public Builder backend(GuardBackend backend) {
            this.inputBackend = Objects.requireNonNull(backend, "backend");
            this.outputBackend = backend;
            return this;
        }

        /**
         * The backend of the input rail, e.g. GuardReasoner-1B in-process for a fast request check. The verdict
         * cache and the assessments' model id tell the rails' models apart.
         */
        public Builder inputBackend(GuardBackend backend) {
            this.inputBackend = Objects.requireNonNull(backend, "inputBackend");
            return this;
        }

        /** The backend of the output rail, e.g. GuardReasoner-3B on a LocalAI server. */
        public Builder outputBackend(GuardBackend backend) {
            this.outputBackend = Objects.requireNonNull(backend, "outputBackend");
            return this;
        }

        /** The prompt layout and per-side length cap. Default: {@link GuardPrompt#modelCard()}. */
        public Builder prompt(GuardPrompt prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
            return this;
        }

        /**
         * The whole policy, for rules {@link RailPolicy} cannot express, or {@link GuardPolicy#observeOnly} for
         * shadow mode. Default: the standard policy with {@link RailPolicy#inputDefaults()} and
         * {@link RailPolicy#outputDefaults()}, fail-closed on both rails. Give either this or
         * {@link #inputPolicy}/{@link #outputPolicy}, not both.
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

        /**
         * On the input rail, stop once Task 1 is answered (at {@code # Task 2}); when that text states no clear
         * label, generation continues from there. Default on.
         */
        public Builder earlyStop(boolean earlyStop) {
            this.earlyStop = earlyStop;
            return this;
        }

        /**
         * On the output rail, stop once Task 3's conclusion is out, before the final answer block; when that text
         * states no clear response label, generation continues from there. Default: on, unless the output policy
         * requires a complete answer block ({@link RailPolicy#requireComplete()}).
         */
        public Builder outputEarlyStop(boolean outputEarlyStop) {
            this.outputEarlyStop = outputEarlyStop;
            return this;
        }

        /**
         * When a cut Task 1 states no clear label, ask the model for the request's label at once (write
         * {@code ---\n\nAnswers: \nRequest:} after Task 1 and read its next token) instead of letting it finish all
         * three tasks. The label is then conditioned on Task 1 alone; measure what that costs with
         * {@code guard-cli eval} (its agreement column) before turning it on. Default off.
         */
        public Builder labelProbe(boolean labelProbe) {
            this.labelProbe = labelProbe;
            return this;
        }

        /**
         * How many likeliest tokens the backend reports at each generated position, from which the verdict's
         * {@link Confidence} is read; 0 asks for none. Backends that cannot report them give no confidence.
         * Default 5.
         */
        public Builder topLogprobs(int topLogprobs) {
            if (topLogprobs < 0 || topLogprobs > GenerationOptions.MAX_TOP_LOGPROBS) {
                throw new IllegalArgumentException("topLogprobs must be 0.." + GenerationOptions.MAX_TOP_LOGPROBS
                        + ", was " + topLogprobs);
            }
            this.topLogprobs = topLogprobs;
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
