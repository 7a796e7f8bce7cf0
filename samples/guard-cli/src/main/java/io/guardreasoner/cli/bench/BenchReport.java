package io.guardreasoner.cli.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Renders a {@link Bench.Result} as markdown tables. */
public final class BenchReport {

    private BenchReport() {
    }

    public static String markdown(Bench.Result r) {
        StringBuilder md = new StringBuilder();
        Bench.Settings s = r.settings();
        TokenCounts c = r.counts();
        Bench.Configuration first = r.primary();
        md.append("### Setup\n\n| item | value |\n|---|---|\n");
        row(md, "model", "random weights, " + r.model().shape().label() + " shape, " + r.model().layers() + " layers, "
                + gb(r.model().storedWeightBytes()) + " GB BF16" + (r.wroteModel()
                ? String.format(Locale.ROOT, " (written in %.0f s)", r.writeSeconds()) : " (reused)"));
        row(md, "backends", backends(r));
        row(md, "CPU", SystemInfo.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " processors, "
                + String.format(Locale.ROOT, "%.0f GiB", SystemInfo.memoryGiB()));
        row(md, "JDK", SystemInfo.jdk());
        row(md, "Jlama kernels", r.kernels());
        row(md, "threads", String.valueOf(r.threads()));
        row(md, "runs", s.runs() + " (" + r.backends().stream().map(Bench.Configuration::name)
                .collect(Collectors.joining(", ")) + "), " + (r.naive() == null ? 0 : s.naiveRuns())
                + " (naive); medians below");
        row(md, "load average (1 min)", String.format(Locale.ROOT, "%.2f before, %.2f after", r.loadBefore(), r.loadAfter()));
        row(md, "memory bandwidth", String.format(Locale.ROOT, "%.1f GB/s (streaming read, %d threads, %d MiB)",
                r.bandwidthBytesPerSecond() / 1e9, r.threads(), s.bandwidthBytes() >> 20));
        row(md, "total time", String.format(Locale.ROOT, "%.0f s", r.total().toMillis() / 1e3));
        md.append('\n');

        md.append("### Forced token counts\n\n").append(c.source()).append(".\n\n")
                .append("| what | tokens |\n|---|---|\n");
        row(md, "input rail: prompt, median of all published prompts", c.prompt() + " (in this run: "
                + first.inputRail().promptTokens() + ")");
        row(md, "input rail: prompt, median of published request-only prompts", c.requestOnlyPrompt()
                + " (in this run: " + first.inputRailShort().promptTokens() + ")");
        row(md, "instruction prefix, KV state reused (" + first.name() + ")", first.prefixTokens() + " (median "
                + c.instructionPrefix() + ")");
        row(md, "input rail, ours: Task 1 only, stop at `# Task 2`", String.valueOf(c.task1Only()));
        row(md, "input rail, naive: whole verdict, no response", String.valueOf(c.fullNoResponse()));
        row(md, "output rail: AI response judged", String.valueOf(TokenCounts.RESPONSE_TOKENS));
        row(md, "output rail: prompt (measured in this run)", String.valueOf(first.outputRail().promptTokens()));
        row(md, "output rail: whole verdict with a response", String.valueOf(c.fullWithResponse()));
        md.append('\n');

        md.append("### Throughput\n\n")
                .append("| configuration | prefill tok/s | decode tok/s | weight bytes / token | bandwidth bound tok/s "
                        + "| decode / bound |\n|---|---|---|---|---|---|\n");
        r.backends().forEach(b -> throughput(md, b));
        if (r.naive() != null) throughput(md, r.naive());
        md.append('\n');

        for (Bench.Configuration b : r.backends()) latency(md, b, b.backend().equals("jlama") ? r.naive() : null);
        if (r.backends().size() > 1) sideBySide(md, r.backends());
        concurrency(md, r.backends());
        if (first.prefill() != null) streamingPrefill(md, r.backends());
        earlyStop(md, r);

        md.append("### Configurations\n\n| name | setup | load s |\n|---|---|---|\n");
        r.backends().forEach(b -> config(md, b));
        if (r.naive() != null) config(md, r.naive());
        return md.toString();
    }

    private static String backends(Bench.Result r) {
        String run = r.backends().stream().map(b -> b.backend().equals("jlama")
                ? "jlama (ours" + (r.naive() != null ? " and naive)" : ")") : b.backend())
                .collect(Collectors.joining(", "));
        String skipped = r.settings().skipped().stream()
                .map(e -> e.name() + " skipped: " + e.artifact() + " is not on the class path")
                .collect(Collectors.joining("; "));
        return skipped.isEmpty() ? run : run + "; " + skipped;
    }

    /** One backend's verdict latencies; Jlama's with its naive configuration beside. */
    private static void latency(StringBuilder md, Bench.Configuration b, Bench.Configuration naive) {
        boolean jlama = b.backend().equals("jlama");
        md.append("### Verdict latency through Guard + ").append(b.backendType()).append(" (p50)\n\n")
                .append("Every check reads a request no check read before: only the instruction's KV state is reused. "
                        + "The verdict cache is off. \"Again\": the same request checked once more right after, its "
                        + "KV/prompt cache warm.\n\n");
        if (jlama) md.append("| check | ours p50 | naive p50 | naive / ours |\n|---|---|---|---|\n");
        else md.append("| check | ").append(b.name()).append(" p50 |\n|---|---|\n");
        String extra = jlama ? " | – | – |\n" : " |\n";
        inputRow(md, "input rail, " + b.inputRail().promptTokens() + "-token prompt (median of all published prompts)",
                b.inputRail(), naive == null ? null : naive.inputRail(), jlama);
        inputRow(md, "input rail, " + b.inputRailShort().promptTokens()
                        + "-token prompt (median of published request-only prompts)",
                b.inputRailShort(), naive == null ? null : naive.inputRailShort(), jlama);
        md.append("| output rail (").append(TokenCounts.RESPONSE_TOKENS).append("-token response) | ")
                .append(sec(b.outputRail().p50())).append(extra);
        md.append("| input rail again, same ").append(b.inputRailWarm().promptTokens())
                .append("-token prompt (KV/prompt cache warm, verdict cache off) | ")
                .append(sec(b.inputRailWarm().p50())).append(extra).append('\n');
        if (b.inputRail().computedPromptTokens() < 0) return;
        md.append("Prompt tokens per ").append(b.name()).append(" check (medians): read, computed by the model in the "
                        + "check, and taken from the backend's KV state of earlier checks.\n\n")
                .append("| check | prompt tokens | computed | reused |\n|---|---|---|---|\n");
        computed(md, "input rail (all published prompts)", b.inputRail());
        computed(md, "input rail (request-only prompts)", b.inputRailShort());
        computed(md, "output rail", b.outputRail());
        computed(md, "input rail again, same request", b.inputRailWarm());
        md.append('\n');
    }

    private static void computed(StringBuilder md, String what, Bench.Latencies l) {
        md.append("| ").append(what).append(" | ").append(l.promptTokens()).append(" | ")
                .append(l.computedPromptTokens()).append(" | ").append(l.reusedPromptTokens()).append(" |\n");
    }

    private static void inputRow(StringBuilder md, String what, Bench.Latencies ours, Bench.Latencies naive,
                                 boolean naiveColumns) {
        md.append("| ").append(what).append(" | ").append(sec(ours.p50()));
        if (naiveColumns) {
            md.append(" | ").append(naive == null ? "–" : sec(naive.p50())).append(" | ")
                    .append(naive == null ? "–" : String.format(Locale.ROOT, "%.1f×", naive.p50() / ours.p50()));
        }
        md.append(" |\n");
    }

    /** The backends' figures in columns, each other backend's as a ratio to the first's. */
    private static void sideBySide(StringBuilder md, List<Bench.Configuration> backends) {
        Bench.Configuration first = backends.getFirst();
        List<Bench.Configuration> others = backends.subList(1, backends.size());
        md.append("### Backends side by side (same weights, same forced token counts)\n\n| figure |");
        backends.forEach(b -> md.append(' ').append(b.backend()).append(" |"));
        others.forEach(b -> md.append(' ').append(b.backend()).append(" / ").append(first.backend()).append(" |"));
        md.append("\n|---|").append("---|".repeat(backends.size() + others.size())).append('\n');
        compare(md, "prefill tok/s", backends, b -> b.throughput().prefillTokensPerSecond(), "%.1f");
        compare(md, "decode tok/s", backends, b -> b.throughput().decodeTokensPerSecond(), "%.2f");
        compare(md, "input rail p50, " + first.inputRail().promptTokens() + "-token prompt, s", backends,
                b -> b.inputRail().p50(), "%.2f");
        compare(md, "input rail p50, " + first.inputRailShort().promptTokens() + "-token prompt, s", backends,
                b -> b.inputRailShort().p50(), "%.2f");
        compare(md, "output rail p50, s", backends, b -> b.outputRail().p50(), "%.2f");
        compare(md, "input rail p50, same request again (warm cache), s", backends, b -> b.inputRailWarm().p50(), "%.2f");
        compare(md, CONCURRENT + " input-rail checks at once: wall s", backends,
                b -> b.concurrency().concurrentSeconds(), "%.2f");
        compare(md, CONCURRENT + " at once / " + CONCURRENT + " one after another", backends,
                b -> 1 / b.concurrency().speedup(), "%.2f");
        md.append('\n');
    }

    private static final int CONCURRENT = Bench.CONCURRENT_CHECKS;

    private static void compare(StringBuilder md, String what, List<Bench.Configuration> backends,
                                Function<Bench.Configuration, Double> figure, String format) {
        double reference = figure.apply(backends.getFirst());
        md.append("| ").append(what).append(" |");
        backends.forEach(b -> md.append(' ').append(String.format(Locale.ROOT, format, figure.apply(b))).append(" |"));
        backends.subList(1, backends.size()).forEach(b -> md.append(' ')
                .append(String.format(Locale.ROOT, "%.2f×", figure.apply(b) / reference)).append(" |"));
        md.append('\n');
    }

    private static void concurrency(StringBuilder md, List<Bench.Configuration> backends) {
        md.append("### Concurrency: ").append(CONCURRENT).append(" input-rail checks at once\n\n")
                .append("New ").append(backends.getFirst().inputRail().promptTokens())
                .append("-token requests, the guard's maxConcurrent ").append(CONCURRENT)
                .append("; wall time for all of them, one after another and at once.\n\n")
                .append("| backend | one check p50 | ").append(CONCURRENT).append(" one after another | ")
                .append(CONCURRENT).append(" at once | speedup | checks/min one after another | checks/min at once |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Bench.Configuration b : backends) {
            Bench.Concurrency k = b.concurrency();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f× | %.1f | %.1f |%n", b.backend(),
                    sec(b.inputRail().p50()), sec(k.sequentialSeconds()), sec(k.concurrentSeconds()), k.speedup(),
                    k.sequentialChecksPerMinute(), k.concurrentChecksPerMinute()));
        }
        md.append('\n');
    }

    private static void streamingPrefill(StringBuilder md, List<Bench.Configuration> backends) {
        Bench.StreamingPrefill p = backends.getFirst().prefill();
        md.append("### Streaming prefill: output-rail latency after the last chat token\n\n")
                .append(String.format(Locale.ROOT, "Each turn: the input rail checks a new request; the answer "
                                + "(%d tokens) streams in %d word chunks over %.1f s (%.0f tokens/s), one every %d ms, "
                                + "while the guard's thread waits as for a remote chat model; then the output rail "
                                + "checks it (%d prompt tokens; the request's KV state is kept from the input rail, as in a "
                                + "real turn), timed from the last chunk. With prefill, "
                                + "`Guard.prefill(request, textSoFar)` every %d characters, as "
                                + "`GuardedStreamingChatModel` does. Turns with and without alternate.%n%n",
                        TokenCounts.RESPONSE_TOKENS, p.chunks(), p.streamSeconds(),
                        TokenCounts.RESPONSE_TOKENS / p.streamSeconds(),
                        Math.round(p.streamSeconds() * 1000 / p.chunks()), p.withPrefill().promptTokens(),
                        StreamedAnswer.PREFILL_EVERY_CHARS))
                .append("| backend | without prefill p50 | with prefill p50 | with / without "
                        + "| prompt tokens computed after the last chunk, without / with |\n|---|---|---|---|---|\n");
        for (Bench.Configuration b : backends) {
            Bench.StreamingPrefill s = b.prefill();
            long without = s.withoutPrefill().computedPromptTokens();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f× | %s |%n", b.backend(),
                    sec(s.withoutPrefill().p50()), sec(s.withPrefill().p50()), s.ratio(), without < 0 ? "–"
                            : without + " / " + s.withPrefill().computedPromptTokens()));
        }
        md.append('\n');
    }

    private static void earlyStop(StringBuilder md, Bench.Result r) {
        md.append("### Generated tokens per input-rail check, with and without early stop\n\n");
        if (r.earlyStop().isEmpty()) {
            md.append("Not computed: this needs the published outputs (`--outputs-dir`) and a Llama-3 tokenizer.json "
                    + "(`--tokenizer`).\n\n");
            return;
        }
        EarlyStopTokens e = r.earlyStop().get();
        md.append("From ").append(e.source()).append(": with early stop, the tokens up to and including `# Task 2` "
                        + "when the cut Task 1 gives a label (`VerdictParser.parseReasoning`), else the whole output "
                        + "(a fallback: generation continues); without, the whole output.\n\n")
                .append("| what | value |\n|---|---|\n");
        row(md, "checks", String.valueOf(e.checks()));
        row(md, "average generated tokens, with early stop (fallbacks included)",
                String.format(Locale.ROOT, "%.1f", e.withEarlyStop()));
        row(md, "average generated tokens, without early stop", String.format(Locale.ROOT, "%.1f", e.withoutEarlyStop()));
        row(md, "saved by early stop", String.format(Locale.ROOT, "%.0f%%", 100 * e.saving()));
        row(md, "fallbacks: cut Task 1 gave no label, generation continued", String.valueOf(e.fallbacks()));
        row(md, "outputs without `# Task 2` (never cut)", String.valueOf(e.neverCut()));
        md.append('\n');
    }

    private static void throughput(StringBuilder md, Bench.Configuration c) {
        Bench.Throughput t = c.throughput();
        md.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.1f MB | %.2f | %.0f%% |%n", c.name(),
                t.prefillTokensPerSecond(), t.decodeTokensPerSecond(), t.weightBytesPerToken() / 1e6,
                t.bandwidthBoundTokensPerSecond(), 100 * t.shareOfBound()));
    }

    private static void config(StringBuilder md, Bench.Configuration c) {
        // A setup line may hold '|' (llama.cpp's CPU features); in a cell it must be escaped.
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f |%n", c.name(), c.setup().replace("|", "\\|"),
                c.loadSeconds()));
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value).append(" |\n");
    }

    private static String sec(double seconds) {
        return String.format(Locale.ROOT, "%.2f s", seconds);
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f", bytes / 1e9);
    }
}
