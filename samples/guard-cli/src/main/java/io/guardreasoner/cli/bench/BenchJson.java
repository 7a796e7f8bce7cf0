package io.guardreasoner.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Writes a {@link Bench.Result} as JSON for other tools ({@code bench --json FILE}). Every object in {@code backends}
 * has at least {@code backend}, {@code prefillTokPerS}, {@code decodeTokPerS}, {@code inputRailP50Ms},
 * {@code inputRailShortP50Ms}, {@code outputRailP50Ms} and {@code concurrent4Speedup}; latencies are milliseconds.
 * A figure that was not measured is {@code null}.
 */
public final class BenchJson {

    /** Bumped when a field changes meaning or goes away; new fields do not bump it. */
    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchJson() {
    }

    /** Writes {@code result} to {@code file}, creating its folder. */
    public static void write(Bench.Result result, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            JSON.writeValue(file.toFile(), tree(result));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static ObjectNode tree(Bench.Result r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        ObjectNode model = root.putObject("model");
        model.put("shape", r.model().shape().label());
        model.put("layers", r.model().layers());
        model.put("storedWeightBytes", r.model().storedWeightBytes());
        ObjectNode machine = root.putObject("machine");
        machine.put("cpu", SystemInfo.cpuModel());
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", SystemInfo.jdk());
        machine.put("jlamaKernels", r.kernels());
        machine.put("threads", r.threads());
        machine.put("memoryBandwidthGBPerS", round(r.bandwidthBytesPerSecond() / 1e9, 2));
        machine.put("loadAverageBefore", r.loadBefore());
        machine.put("loadAverageAfter", r.loadAfter());
        root.put("runs", r.settings().runs());
        root.put("naiveRuns", r.naive() == null ? 0 : r.settings().naiveRuns());
        root.put("totalSeconds", round(r.total().toMillis() / 1e3, 1));
        var skipped = root.putArray("skippedBackends");
        r.settings().skipped().forEach(e -> skipped.addObject().put("backend", e.name())
                .put("reason", e.artifact() + " is not on the class path"));

        TokenCounts c = r.counts();
        ObjectNode counts = root.putObject("tokenCounts");
        counts.put("prompt", c.prompt());
        counts.put("requestOnlyPrompt", c.requestOnlyPrompt());
        counts.put("instructionPrefix", c.instructionPrefix());
        counts.put("task1Only", c.task1Only());
        counts.put("fullNoResponse", c.fullNoResponse());
        counts.put("fullWithResponse", c.fullWithResponse());
        counts.put("responseTokens", TokenCounts.RESPONSE_TOKENS);
        counts.put("source", c.source());

        var backends = root.putArray("backends");
        r.backends().forEach(b -> configuration(backends.addObject(), b));
        if (r.naive() != null) configuration(root.putObject("naive"), r.naive());
        else root.putNull("naive");

        if (r.earlyStop().isPresent()) {
            EarlyStopTokens e = r.earlyStop().get();
            ObjectNode early = root.putObject("earlyStopTokens");
            early.put("checks", e.checks());
            early.put("withEarlyStop", round(e.withEarlyStop(), 1));
            early.put("withoutEarlyStop", round(e.withoutEarlyStop(), 1));
            early.put("fallbacks", e.fallbacks());
            early.put("neverCut", e.neverCut());
            early.put("source", e.source());
        } else {
            root.putNull("earlyStopTokens");
        }
        return root;
    }

    private static void configuration(ObjectNode o, Bench.Configuration b) {
        o.put("backend", b.backend());
        o.put("configuration", b.name());
        o.put("prefillTokPerS", round(b.throughput().prefillTokensPerSecond(), 2));
        o.put("decodeTokPerS", round(b.throughput().decodeTokensPerSecond(), 2));
        o.put("inputRailP50Ms", ms(b.inputRail()));
        o.put("inputRailShortP50Ms", ms(b.inputRailShort()));
        putOrNull(o, "outputRailP50Ms", b.outputRail() == null ? null : ms(b.outputRail()));
        putOrNull(o, "concurrent4Speedup", b.concurrency() == null ? null : round(b.concurrency().speedup(), 3));
        putOrNull(o, "inputRailWarmP50Ms", b.inputRailWarm() == null ? null : ms(b.inputRailWarm()));
        putOrNull(o, "sequential4WallMs", b.concurrency() == null ? null : round(b.concurrency().sequentialSeconds() * 1e3, 1));
        putOrNull(o, "concurrent4WallMs", b.concurrency() == null ? null : round(b.concurrency().concurrentSeconds() * 1e3, 1));
        o.put("inputRailPromptTokens", b.inputRail().promptTokens());
        o.put("inputRailShortPromptTokens", b.inputRailShort().promptTokens());
        if (b.outputRail() == null) o.putNull("outputRailPromptTokens");
        else o.put("outputRailPromptTokens", b.outputRail().promptTokens());
        computed(o, "inputRailComputedPromptTokens", b.inputRail());
        computed(o, "inputRailShortComputedPromptTokens", b.inputRailShort());
        computed(o, "outputRailComputedPromptTokens", b.outputRail());
        computed(o, "inputRailWarmComputedPromptTokens", b.inputRailWarm());
        o.put("weightBytesPerToken", b.throughput().weightBytesPerToken());
        o.put("bandwidthBoundTokPerS", round(b.throughput().bandwidthBoundTokensPerSecond(), 2));
        o.put("instructionPrefixTokensReused", b.prefixTokens());
        o.put("loadSeconds", round(b.loadSeconds(), 1));
        o.put("setup", b.setup());
        if (b.prefill() == null) {
            o.putNull("streamingPrefill");
        } else {
            ObjectNode p = o.putObject("streamingPrefill");
            p.put("streamSeconds", round(b.prefill().streamSeconds(), 2));
            p.put("chunks", b.prefill().chunks());
            p.put("outputRailWithoutPrefillP50Ms", ms(b.prefill().withoutPrefill()));
            p.put("outputRailWithPrefillP50Ms", ms(b.prefill().withPrefill()));
            computed(p, "withoutPrefillComputedPromptTokens", b.prefill().withoutPrefill());
            computed(p, "withPrefillComputedPromptTokens", b.prefill().withPrefill());
        }
    }

    /** The median prompt tokens a check computed itself; null when not measured or the backend cannot tell. */
    private static void computed(ObjectNode o, String field, Bench.Latencies latencies) {
        if (latencies == null || latencies.computedPromptTokens() < 0) o.putNull(field);
        else o.put(field, latencies.computedPromptTokens());
    }

    private static void putOrNull(ObjectNode o, String field, Double value) {
        if (value == null) o.putNull(field);
        else o.put(field, value);
    }

    private static double ms(Bench.Latencies latencies) {
        return round(latencies.p50() * 1e3, 1);
    }

    private static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
