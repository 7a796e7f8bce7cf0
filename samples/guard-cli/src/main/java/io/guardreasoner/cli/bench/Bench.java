package io.guardreasoner.cli.bench;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Rail;
import io.guardreasoner.jlama.JlamaBench;
import io.guardreasoner.test.bench.BenchBackend;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs the speed benchmark: writes (or reuses) a random-weight model and measures, for every backend asked for, on
 * those same weights and in one JVM: prefill and decode speed, and the end-to-end verdict latency through
 * {@link Guard} (cold, with a warm prompt cache, four at once, and optionally after a streamed answer with and without
 * prefill). Jlama also runs its naive configuration for comparison.
 *
 * <p>A random model never writes {@code # Task 2} or stops on its own, so the generated lengths are forced to the
 * real ones ({@link TokenCounts}): the backends ignore end-of-text (each backend's bench jar, e.g. {@link JlamaBench})
 * and the guard's token limit is the median length the real model generates. Every timed check reads a request no
 * check read before ({@link BenchTexts}), so only the instruction's KV state, which the library keeps on purpose, is
 * reused, and the verdict cache is off.
 */
public final class Bench {

    /** Input-rail checks of the concurrency row. */
    public static final int CONCURRENT_CHECKS = 4;

    /** What to run. */
    public record Settings(BenchModel.Shape shape, int layers, Path workDir, int threads, int runs, int naiveRuns,
                           int decodeTokens, long bandwidthBytes, Path tokenizerJson, Path outputsDir, boolean clean,
                           List<BenchBackends.Entry> backends, List<BenchBackends.Entry> skipped, boolean prefill,
                           double streamTokensPerSecond) {
        public Settings {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(workDir, "workDir");
            backends = List.copyOf(backends);
            skipped = List.copyOf(skipped);
            if (backends.isEmpty()) throw new IllegalArgumentException("no backend to run");
            if (runs < 1) throw new IllegalArgumentException("runs must be at least 1");
            if (naiveRuns < 0) throw new IllegalArgumentException("naiveRuns must be 0 or more");
            if (decodeTokens < 1) throw new IllegalArgumentException("decodeTokens must be at least 1");
            if (!(streamTokensPerSecond > 0)) throw new IllegalArgumentException("the stream rate must be above 0 tokens/s");
        }

        /** Whether Jlama's naive configuration runs: Jlama is asked for and naive runs are wanted. */
        boolean runsNaive() {
            return naiveRuns > 0 && backends.stream().anyMatch(e -> e.name().equals("jlama"));
        }
    }

    /** Speed of one configuration; decode share is of the memory-bandwidth bound for its weight bytes. */
    public record Throughput(double prefillTokensPerSecond, double decodeTokensPerSecond, long weightBytesPerToken,
                             double bandwidthBoundTokensPerSecond) {
        public double shareOfBound() {
            return decodeTokensPerSecond / bandwidthBoundTokensPerSecond;
        }
    }

    /**
     * Latencies of one kind of check, in seconds, with the tokens the model read and generated, and the median number
     * of prompt tokens it computed in a check (the rest came from its KV/prompt cache), or -1 when the backend cannot
     * tell.
     */
    public record Latencies(List<Double> seconds, int promptTokens, int generatedTokens, long computedPromptTokens) {
        public double p50() {
            return median(seconds);
        }

        /** Prompt tokens whose KV state came from the backend's caches, or -1 when unknown. */
        public long reusedPromptTokens() {
            return computedPromptTokens < 0 ? -1 : promptTokens - computedPromptTokens;
        }
    }

    /** {@link #CONCURRENT_CHECKS} input-rail checks one after another, then as many at once: wall times in seconds. */
    public record Concurrency(int checks, double sequentialSeconds, double concurrentSeconds) {
        /** How many times faster the checks finish at once than one after another. */
        public double speedup() {
            return sequentialSeconds / concurrentSeconds;
        }

        public double sequentialChecksPerMinute() {
            return checks * 60 / sequentialSeconds;
        }

        public double concurrentChecksPerMinute() {
            return checks * 60 / concurrentSeconds;
        }
    }

    /**
     * The output-rail latency after the last token of a streamed answer, without and with prefill while it streamed.
     *
     * @param streamSeconds how long each answer took to stream in
     * @param chunks        chunks (words) it came in
     */
    public record StreamingPrefill(double streamSeconds, int chunks, Latencies withoutPrefill, Latencies withPrefill) {
        public double ratio() {
            return withPrefill.p50() / withoutPrefill.p50();
        }
    }

    /**
     * One configuration's results. {@code backend} is the registered backend's name ({@code jlama}, ...), {@code name}
     * the configuration's ({@code ours} for Jlama's library defaults, {@code naive}, or the backend's name).
     * {@code outputRail}, {@code inputRailWarm}, {@code concurrency} and {@code prefill} are null when not measured
     * (the naive configuration; prefill without {@code --prefill}).
     */
    public record Configuration(String backend, String name, String backendType, String setup, double loadSeconds,
                                int prefixTokens, Throughput throughput, Latencies inputRail, Latencies inputRailShort,
                                Latencies outputRail, Latencies inputRailWarm, Concurrency concurrency,
                                StreamingPrefill prefill) {
    }

    /** Everything one run measured; {@code naive} is null when it did not run. */
    public record Result(Settings settings, TokenCounts counts, Optional<EarlyStopTokens> earlyStop, BenchModel model,
                         boolean wroteModel, double writeSeconds, double bandwidthBytesPerSecond, int threads,
                         String kernels, List<Configuration> backends, Configuration naive, double loadBefore,
                         double loadAfter, Duration total) {
        /** The first backend's configuration: the reference of the side-by-side ratios. */
        public Configuration primary() {
            return backends.getFirst();
        }
    }

    /** A prompt of a couple of tokens, so that timing its generation is all decode. */
    private static final String SHORT_PROMPT = "Hello";

    private final Settings settings;
    private final PrintStream log;

    public Bench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    public Result run() {
        long start = System.nanoTime();
        double loadBefore = SystemInfo.loadAverage();
        TokenCounts counts = TokenCounts.fromPublished(settings.outputsDir(), settings.tokenizerJson())
                .orElseGet(TokenCounts::measuredDefaults);
        log.println("Token counts: " + counts);
        Optional<EarlyStopTokens> earlyStop = EarlyStopTokens.fromPublished(settings.outputsDir(), settings.tokenizerJson());
        log.println(earlyStop.map(e -> "Early stop on the published outputs: " + e)
                .orElse("Early-stop tokens not computed: no published outputs or no Llama-3 tokenizer"));
        for (BenchBackends.Entry e : settings.skipped()) {
            log.println("Skipping " + e.name() + ": " + e.artifact() + " is not on the class path");
        }

        int threads = JlamaBench.threads(settings.threads());
        log.println("Measuring memory bandwidth with " + threads + " threads over "
                + settings.bandwidthBytes() / (1 << 20) + " MiB");
        double bandwidth = MemoryBandwidth.measure(settings.bandwidthBytes(), threads, 5);
        System.gc();
        log.printf("Memory bandwidth: %.1f GB/s%n", bandwidth / 1e9);

        BenchModel model = new BenchModel(settings.shape(), settings.layers(), settings.workDir());
        long writeStart = System.nanoTime();
        log.println("Model folder " + model.dir() + " (" + model.storedWeightBytes() / 1_000_000 + " MB of weights)");
        boolean wrote = model.ensureWritten(settings.shape() == BenchModel.Shape.TINY ? null : settings.tokenizerJson());
        double writeSeconds = seconds(writeStart);
        log.println(wrote ? String.format("Wrote the model in %.0f s", writeSeconds) : "Reusing the model written before");

        Path cacheDir = settings.workDir().resolve("cache");
        try {
            List<Configuration> backends = new ArrayList<>();
            for (BenchBackends.Entry entry : settings.backends()) {
                BenchBackends.Opener opener = entry.opener().orElseThrow();
                // Jlama's library defaults keep their historical name, "ours", beside its naive configuration.
                String name = entry.name().equals("jlama") ? "ours" : entry.name();
                // One backend at a time, each with the same thread count, on the same weights.
                backends.add(measure(entry.name(), name, () -> opener.open(model.dir(), cacheDir, threads,
                        CONCURRENT_CHECKS), counts, bandwidth, settings.runs(), true));
            }
            Configuration naive = !settings.runsNaive() ? null
                    : measure("jlama", "naive", () -> JlamaBench.open(model.dir(), cacheDir, threads, true),
                    counts, bandwidth, settings.naiveRuns(), false);
            return new Result(settings, counts, earlyStop, model, wrote, writeSeconds, bandwidth, threads,
                    JlamaBench.kernels(), backends, naive, loadBefore, SystemInfo.loadAverage(),
                    Duration.ofNanos(System.nanoTime() - start));
        } finally {
            if (settings.clean()) {
                log.println("Deleting " + model.dir() + " and " + cacheDir);
                model.delete();
                BenchModel.deleteTree(cacheDir);
            }
        }
    }

    /**
     * Measures one configuration. The library's defaults ({@code full}) get every row; the naive configuration gets
     * throughput and the cold input rail only.
     */
    private Configuration measure(String backendName, String name, Supplier<BenchBackend> open, TokenCounts counts,
                                  double bandwidth, int runs, boolean full) {
        log.println("[" + name + "] loading (quantizing or converting on first use)");
        long loadStart = System.nanoTime();
        try (BenchBackend bench = open.get()) {
            GuardBackend backend = bench.backend();
            double loadSeconds = seconds(loadStart);
            log.printf("[%s] loaded in %.1f s: %s%n", name, loadSeconds, bench.setup());
            BenchTexts texts = BenchTexts.fit(bench::countTokens, counts);

            backend.generate(texts.nextPlain(), GenerationOptions.maxTokens(2)); // JIT warm-up
            Throughput throughput = throughput(name, bench, texts, bandwidth, runs);

            // The input rail: ours stops at "# Task 2" (forced here to Task 1's real length), naive generates it all.
            int inputTokens = full ? counts.task1Only() : counts.fullNoResponse();
            Guard input = Guard.builder().backend(backend).cacheSize(0).timeout(Duration.ofHours(2))
                    .maxTokens(inputTokens).earlyStop(full).maxConcurrent(CONCURRENT_CHECKS).build();
            // Untimed: a backend that does not compute the instruction at load (llama.cpp) does in its first check.
            // The naive configuration reuses nothing, so it needs no such check (at the 3B shape it takes minutes).
            if (full) require(name + " input rail, warm-up", input.checkRequest(texts.nextRequest()), inputTokens);
            // Each new request, then (library defaults only) the same request again right after, the verdict cache
            // off: what the backend's own KV/prompt cache saves.
            Samples cold = new Samples();
            Samples warm = new Samples();
            for (int i = 0; i < runs; i++) {
                String request = texts.nextRequest();
                cold.add(check(name + " input rail", i, bench, inputTokens, () -> input.checkRequest(request)));
                if (full) {
                    warm.add(check(name + " input rail, same request again", i, bench, inputTokens,
                            () -> input.checkRequest(request)));
                }
            }
            Latencies inputRail = cold.latencies();
            Latencies inputRailShort = checks(name + " input rail, short request", bench, runs, inputTokens,
                    () -> input.checkRequest(texts.nextShortRequest()));
            if (!full) {
                return new Configuration(backendName, name, backendType(backend), bench.setup(), loadSeconds,
                        bench.cachedPrefixTokens(), throughput, inputRail, inputRailShort, null, null, null, null);
            }
            Latencies inputRailWarm = warm.latencies();

            Guard output = Guard.builder().backend(backend).cacheSize(0).timeout(Duration.ofHours(2))
                    .maxTokens(counts.fullWithResponse()).build();
            Latencies outputRail = checks(name + " output rail", bench, runs, counts.fullWithResponse(),
                    () -> output.checkResponse(texts.nextRequest(), texts.response()));

            Concurrency concurrency = concurrency(name, input, texts, inputTokens);
            StreamingPrefill prefill = settings.prefill()
                    ? streamingPrefill(name, bench, input, output, texts, counts, runs) : null;
            return new Configuration(backendName, name, backendType(backend), bench.setup(), loadSeconds,
                    bench.cachedPrefixTokens(), throughput, inputRail, inputRailShort, outputRail, inputRailWarm,
                    concurrency, prefill);
        }
    }

    private Throughput throughput(String name, BenchBackend bench, BenchTexts texts, double bandwidth, int runs) {
        GuardBackend backend = bench.backend();
        List<Double> prefill = new ArrayList<>();
        List<Double> decode = new ArrayList<>();
        int decodeTokens = settings.decodeTokens();
        for (int i = 0; i < runs; i++) {
            // Prefill: a whole new prompt and the first token's logits.
            String plain = texts.nextPlain();
            double prefillSeconds = time(() -> backend.generate(plain, GenerationOptions.maxTokens(1)));
            prefill.add(texts.plainTokens() / prefillSeconds);
            // Decode: from a two-token prompt, generating D more tokens minus generating one.
            double one = time(() -> backend.generate(SHORT_PROMPT, GenerationOptions.maxTokens(1)));
            double many = time(() -> requireLength(backend.generate(SHORT_PROMPT,
                    GenerationOptions.maxTokens(1 + decodeTokens)), 1 + decodeTokens));
            decode.add(decodeTokens / Math.max(1e-6, many - one));
            log.printf("[%s] run %d: prefill %.1f tok/s, decode %.2f tok/s%n", name, i + 1,
                    prefill.getLast(), decode.getLast());
        }
        long bytesPerToken = bench.weightBytesPerToken();
        return new Throughput(median(prefill), median(decode), bytesPerToken, bandwidth / bytesPerToken);
    }

    /** {@link #CONCURRENT_CHECKS} new requests one after another, then as many other new ones at once. */
    private Concurrency concurrency(String name, Guard input, BenchTexts texts, int expectedTokens) {
        List<String> sequential = new ArrayList<>();
        List<String> concurrent = new ArrayList<>();
        for (int i = 0; i < CONCURRENT_CHECKS; i++) {
            sequential.add(texts.nextRequest());
            concurrent.add(texts.nextRequest());
        }
        long start = System.nanoTime();
        for (String request : sequential) require(name + " input rail, one after another", input.checkRequest(request), expectedTokens);
        double sequentialSeconds = seconds(start);
        log.printf("[%s] %d input-rail checks one after another: %.2f s%n", name, CONCURRENT_CHECKS, sequentialSeconds);

        start = System.nanoTime();
        List<CompletableFuture<Assessment>> running = concurrent.stream()
                .map(r -> input.assessAsync(Exchange.request(r), Rail.INPUT)).toList();
        running.forEach(f -> require(name + " input rail, at once", f.join(), expectedTokens));
        double concurrentSeconds = seconds(start);
        log.printf("[%s] %d input-rail checks at once: %.2f s%n", name, CONCURRENT_CHECKS, concurrentSeconds);
        return new Concurrency(CONCURRENT_CHECKS, sequentialSeconds, concurrentSeconds);
    }

    /**
     * Turns of a guarded streaming chat: the input rail checks a new request, the answer streams in at the chosen
     * rate, then the output rail checks it; timed from the answer's last chunk. Turns without and with prefill
     * alternate, so that both see the same load.
     */
    private StreamingPrefill streamingPrefill(String name, BenchBackend bench, Guard input, Guard output,
                                              BenchTexts texts, TokenCounts counts, int runs) {
        Duration streamTime = Duration.ofNanos(Math.round(TokenCounts.RESPONSE_TOKENS
                / settings.streamTokensPerSecond() * 1e9));
        StreamedAnswer answer = new StreamedAnswer(texts.response(), streamTime);
        log.printf("[%s] streaming prefill: %d-token answers in %d chunks over %.1f s%n", name,
                TokenCounts.RESPONSE_TOKENS, answer.chunks(), streamTime.toMillis() / 1e3);
        List<Samples> samples = List.of(new Samples(), new Samples()); // without, with prefill
        for (int i = 0; i < runs; i++) {
            for (int prefill = 0; prefill <= 1; prefill++) {
                String request = texts.nextRequest();
                require(name + " turn's input rail", input.checkRequest(request), counts.task1Only());
                answer.stream(output, request, prefill == 1);
                long lastChunk = System.nanoTime(); // from here: reading the counter waits for a running prefill too
                long before = positions(bench);
                Assessment a = require(name + " output rail after the stream" + (prefill == 1 ? ", prefilled" : ""),
                        output.checkResponse(request, texts.response()), counts.fullWithResponse());
                double after = seconds(lastChunk);
                long computed = before < 0 ? -1 : positions(bench) - before;
                samples.get(prefill).add(new Sample(after, a.promptTokens().orElse(-1),
                        a.generatedTokens().orElse(-1), computed));
                log.printf("[%s] output rail after the last chunk, %s prefill, run %d: %.2f s%s%n", name,
                        prefill == 1 ? "with" : "without", i + 1, after,
                        computed < 0 ? "" : " (" + computed + " prompt tokens computed after the last chunk)");
            }
        }
        Latencies withoutPrefill = samples.get(0).latencies();
        Latencies withPrefill = samples.get(1).latencies();
        return new StreamingPrefill(streamTime.toNanos() / 1e9, answer.chunks(), withoutPrefill, withPrefill);
    }

    private Latencies checks(String what, BenchBackend bench, int runs, int expectedTokens, Supplier<Assessment> check) {
        Samples samples = new Samples();
        for (int i = 0; i < runs; i++) samples.add(check(what, i, bench, expectedTokens, check));
        return samples.latencies();
    }

    /** One timed check, with the prompt tokens the backend computed for it (-1 when it cannot tell). */
    private Sample check(String what, int run, BenchBackend bench, int expectedTokens, Supplier<Assessment> check) {
        long before = positions(bench);
        Assessment a = require(what, check.get(), expectedTokens);
        long computed = before < 0 ? -1 : positions(bench) - before;
        Sample sample = new Sample(a.latency().toNanos() / 1e9, a.promptTokens().orElse(-1),
                a.generatedTokens().orElse(-1), computed);
        log.printf("[%s] run %d: %.2f s (%d prompt tokens%s, %d generated)%n", what, run + 1, sample.seconds(),
                sample.promptTokens(), computed < 0 ? "" : ", " + computed + " computed", sample.generated());
        return sample;
    }

    private record Sample(double seconds, int promptTokens, int generated, long computed) {
    }

    /** Samples of one kind of check, summed up as {@link Latencies}. */
    private static final class Samples {
        private final List<Double> seconds = new ArrayList<>();
        private final List<Double> computed = new ArrayList<>();
        private int promptTokens;
        private int generated;

        void add(Sample s) {
            seconds.add(s.seconds());
            if (s.computed() >= 0) computed.add((double) s.computed());
            promptTokens = s.promptTokens();
            generated = s.generated();
        }

        Latencies latencies() {
            return new Latencies(List.copyOf(seconds), promptTokens, generated,
                    computed.isEmpty() ? -1 : Math.round(median(computed)));
        }
    }

    /** Prompt positions the backend has computed so far, or -1 when it cannot tell. */
    private static long positions(BenchBackend bench) {
        return bench.promptPositionsComputed().orElse(-1);
    }

    /** The assessment, when it is a model verdict of exactly the forced length. */
    private static Assessment require(String what, Assessment a, int expectedTokens) {
        if (a.failure().isPresent()) {
            throw new IllegalStateException(what + " failed: " + a.failure().get().message());
        }
        int generated = a.generatedTokens().orElse(-1);
        if (generated != expectedTokens) {
            throw new IllegalStateException(what + " generated " + generated + " tokens, expected " + expectedTokens);
        }
        return a;
    }

    /** The backend's class name, as the tables name it ({@code JlamaBackend}). */
    private static String backendType(GuardBackend backend) {
        return backend.getClass().getSimpleName();
    }

    private static Generation requireLength(Generation g, int tokens) {
        if (g.generatedTokens().orElse(-1) != tokens) {
            throw new IllegalStateException("generated " + g.generatedTokens() + " tokens, expected " + tokens);
        }
        return g;
    }

    private static double time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return seconds(start);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) return Double.NaN;
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
