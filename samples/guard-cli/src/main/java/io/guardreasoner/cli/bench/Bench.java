package io.guardreasoner.cli.bench;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.jlama.JlamaBench;
import io.guardreasoner.test.bench.BenchBackend;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs the speed benchmark of the Jlama path: writes (or reuses) a random-weight model, pre-quantizes it, and measures
 * prefill and decode speed and the end-to-end verdict latency through {@link Guard} and the Jlama backend, for the
 * library's defaults and for the naive configuration, in one JVM.
 *
 * <p>A random model never writes {@code # Task 2} or stops on its own, so the generated lengths are forced to the
 * real ones ({@link TokenCounts}): the backends ignore end-of-text (guard-jlama's bench jar, {@link JlamaBench}) and
 * the guard's token limit is the median length the real model generates.
 */
public final class Bench {

    /** What to run. */
    public record Settings(BenchModel.Shape shape, int layers, Path workDir, int threads, int runs, int naiveRuns,
                           int decodeTokens, long bandwidthBytes, Path tokenizerJson, Path outputsDir, boolean clean) {
        public Settings {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(workDir, "workDir");
            if (runs < 1) throw new IllegalArgumentException("runs must be at least 1");
            if (naiveRuns < 0) throw new IllegalArgumentException("naiveRuns must be 0 or more");
            if (decodeTokens < 1) throw new IllegalArgumentException("decodeTokens must be at least 1");
        }
    }

    /** Speed of one configuration; decode share is of the memory-bandwidth bound for its weight bytes. */
    public record Throughput(double prefillTokensPerSecond, double decodeTokensPerSecond, long weightBytesPerToken,
                             double bandwidthBoundTokensPerSecond) {
        public double shareOfBound() {
            return decodeTokensPerSecond / bandwidthBoundTokensPerSecond;
        }
    }

    /** Latencies of one kind of check, in seconds, with the tokens the model read and generated. */
    public record Latencies(List<Double> seconds, int promptTokens, int generatedTokens) {
        public double p50() {
            return median(seconds);
        }
    }

    /** One configuration's results; {@code outputRail} is null when not measured. */
    public record Configuration(String name, String setup, double loadSeconds, int prefixTokens, Throughput throughput,
                                Latencies inputRail, Latencies inputRailShort, Latencies outputRail) {
    }

    /** Everything one run measured. */
    public record Result(Settings settings, TokenCounts counts, BenchModel model, boolean wroteModel,
                         double writeSeconds, double bandwidthBytesPerSecond, int threads, String kernels,
                         Configuration ours, Configuration naive, double loadBefore, double loadAfter,
                         Duration total) {
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
            Configuration ours = measure("ours", () -> JlamaBench.open(model.dir(), cacheDir, settings.threads(), false),
                    counts, bandwidth, settings.runs(), true);
            Configuration naive = settings.naiveRuns() == 0 ? null
                    : measure("naive", () -> JlamaBench.open(model.dir(), cacheDir, settings.threads(), true),
                    counts, bandwidth, settings.naiveRuns(), false);
            String kernels = JlamaBench.kernels();
            return new Result(settings, counts, model, wrote, writeSeconds, bandwidth, threads, kernels, ours, naive,
                    loadBefore, SystemInfo.loadAverage(), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            if (settings.clean()) {
                log.println("Deleting " + model.dir() + " and " + cacheDir);
                model.delete();
                BenchModel.deleteTree(cacheDir);
            }
        }
    }

    private Configuration measure(String name, java.util.function.Supplier<BenchBackend> open, TokenCounts counts,
                                  double bandwidth, int runs, boolean ours) {
        log.println("[" + name + "] loading" + (ours ? " (pre-quantizing to Q4 on first use)" : ""));
        long loadStart = System.nanoTime();
        try (BenchBackend bench = open.get()) {
            io.guardreasoner.core.GuardBackend backend = bench.backend();
            double loadSeconds = seconds(loadStart);
            log.printf("[%s] loaded in %.1f s: %s%n", name, loadSeconds, bench.setup());
            BenchTexts texts = BenchTexts.fit(bench::countTokens, counts);

            backend.generate(texts.plain(), GenerationOptions.maxTokens(2)); // JIT warm-up
            List<Double> prefill = new ArrayList<>();
            List<Double> decode = new ArrayList<>();
            int plainTokens = bench.countTokens(texts.plain());
            int decodeTokens = settings.decodeTokens();
            for (int i = 0; i < runs; i++) {
                // Prefill: the whole prompt and the first token's logits.
                double prefillSeconds = time(() -> backend.generate(texts.plain(), GenerationOptions.maxTokens(1)));
                prefill.add(plainTokens / prefillSeconds);
                // Decode: from a two-token prompt, generating D more tokens minus generating one.
                double one = time(() -> backend.generate(SHORT_PROMPT, GenerationOptions.maxTokens(1)));
                double many = time(() -> requireLength(backend.generate(SHORT_PROMPT,
                        GenerationOptions.maxTokens(1 + decodeTokens)), 1 + decodeTokens));
                decode.add(decodeTokens / Math.max(1e-6, many - one));
                log.printf("[%s] run %d: prefill %.1f tok/s, decode %.2f tok/s%n", name, i + 1,
                        prefill.getLast(), decode.getLast());
            }
            long bytesPerToken = bench.weightBytesPerToken();
            Throughput throughput = new Throughput(median(prefill), median(decode), bytesPerToken,
                    bandwidth / bytesPerToken);

            // The input rail: ours stops at "# Task 2" (forced here to Task 1's real length), naive generates it all.
            int inputTokens = ours ? counts.task1Only() : counts.fullNoResponse();
            Guard input = Guard.builder().backend(backend).cacheSize(0).timeout(Duration.ofHours(2))
                    .maxTokens(inputTokens).earlyStop(ours).build();
            Latencies inputRail = checks(name + " input rail", runs, inputTokens,
                    () -> input.checkRequest(texts.request()));
            Latencies inputRailShort = checks(name + " input rail, short request", runs, inputTokens,
                    () -> input.checkRequest(texts.shortRequest()));

            Latencies outputRail = null;
            if (ours) {
                Guard output = Guard.builder().backend(backend).cacheSize(0).timeout(Duration.ofHours(2))
                        .maxTokens(counts.fullWithResponse()).build();
                outputRail = checks(name + " output rail", runs, counts.fullWithResponse(),
                        () -> output.checkResponse(texts.request(), texts.response()));
            }
            return new Configuration(name, bench.setup(), loadSeconds, bench.cachedPrefixTokens(),
                    throughput, inputRail, inputRailShort, outputRail);
        }
    }

    private Latencies checks(String what, int runs, int expectedTokens, java.util.function.Supplier<Assessment> check) {
        List<Double> seconds = new ArrayList<>();
        int promptTokens = 0;
        int generated = 0;
        for (int i = 0; i < runs; i++) {
            Assessment a = check.get();
            if (a.failure().isPresent()) {
                throw new IllegalStateException(what + " failed: " + a.failure().get().message());
            }
            promptTokens = a.promptTokens().orElse(-1);
            generated = a.generatedTokens().orElse(-1);
            if (generated != expectedTokens) {
                throw new IllegalStateException(what + " generated " + generated + " tokens, expected " + expectedTokens);
            }
            seconds.add(a.latency().toNanos() / 1e9);
            log.printf("[%s] run %d: %.2f s (%d prompt tokens, %d generated)%n", what, i + 1, seconds.getLast(),
                    promptTokens, generated);
        }
        return new Latencies(seconds, promptTokens, generated);
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

    /** The texts a run checks, fitted to the token counts with the model's own tokenizer. */
    record BenchTexts(String request, String shortRequest, String response, String plain) {

        private static final String[] FILLER = ("Please explain step by step how I can bake a loaf of sourdough bread "
                + "at home, which flour and how much water and salt to use, how long the dough should rest, how hot "
                + "the oven must be, and what I should do when the crust turns dark before the inside is done. "
                + "My kitchen is small, the oven is old, and I would like to avoid wasting ingredients while I learn.")
                .split(" ");

        static BenchTexts fit(java.util.function.ToIntFunction<String> countTokens, TokenCounts counts) {
            GuardPrompt prompt = GuardPrompt.modelCard();
            String request = grow(text -> countTokens.applyAsInt(prompt.render(Exchange.request(text))),
                    counts.prompt());
            String shortRequest = grow(text -> countTokens.applyAsInt(prompt.render(Exchange.request(text))),
                    counts.requestOnlyPrompt());
            String response = grow(countTokens::applyAsInt, TokenCounts.RESPONSE_TOKENS + 1); // + <|begin_of_text|>
            String plain = grow(countTokens::applyAsInt, counts.prompt());
            return new BenchTexts(request, shortRequest, response, plain);
        }

        /** The shortest filler text whose token count reaches {@code target}. */
        private static String grow(java.util.function.ToIntFunction<String> tokens, int target) {
            StringBuilder text = new StringBuilder(FILLER[0]);
            for (int i = 1; tokens.applyAsInt(text.toString()) < target; i++) {
                text.append(' ').append(FILLER[i % FILLER.length]);
                if (i > 100_000) throw new IllegalStateException("cannot reach " + target + " tokens");
            }
            return text.toString();
        }
    }
}
