package io.guardreasoner.cli.bench;

import java.util.Locale;

/** Renders a {@link Bench.Result} as markdown tables. */
public final class BenchReport {

    private BenchReport() {
    }

    public static String markdown(Bench.Result r) {
        StringBuilder md = new StringBuilder();
        Bench.Settings s = r.settings();
        TokenCounts c = r.counts();
        md.append("### Setup\n\n| item | value |\n|---|---|\n");
        row(md, "model", "random weights, " + r.model().shape().label() + " shape, " + r.model().layers() + " layers, "
                + gb(r.model().storedWeightBytes()) + " GB BF16" + (r.wroteModel()
                ? String.format(Locale.ROOT, " (written in %.0f s)", r.writeSeconds()) : " (reused)"));
        row(md, "CPU", SystemInfo.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " processors, "
                + String.format(Locale.ROOT, "%.0f GiB", SystemInfo.memoryGiB()));
        row(md, "JDK", SystemInfo.jdk());
        row(md, "Jlama kernels", r.kernels());
        row(md, "threads", String.valueOf(r.threads()));
        row(md, "runs", s.runs() + " (ours), " + s.naiveRuns() + " (naive); medians below");
        row(md, "load average (1 min)", String.format(Locale.ROOT, "%.2f before, %.2f after", r.loadBefore(), r.loadAfter()));
        row(md, "memory bandwidth", String.format(Locale.ROOT, "%.1f GB/s (streaming read, %d threads, %d MiB)",
                r.bandwidthBytesPerSecond() / 1e9, r.threads(), s.bandwidthBytes() >> 20));
        row(md, "total time", String.format(Locale.ROOT, "%.0f s", r.total().toMillis() / 1e3));
        md.append('\n');

        md.append("### Forced token counts\n\n").append(c.source()).append(".\n\n")
                .append("| what | tokens |\n|---|---|\n");
        row(md, "input rail: prompt, median of all published prompts", c.prompt() + " (in this run: "
                + r.ours().inputRail().promptTokens() + ")");
        row(md, "input rail: prompt, median of published request-only prompts", c.requestOnlyPrompt()
                + " (in this run: " + r.ours().inputRailShort().promptTokens() + ")");
        row(md, "instruction prefix, KV state reused (ours)", r.ours().prefixTokens() + " (median "
                + c.instructionPrefix() + ")");
        row(md, "input rail, ours: Task 1 only, stop at `# Task 2`", String.valueOf(c.task1Only()));
        row(md, "input rail, naive: whole verdict, no response", String.valueOf(c.fullNoResponse()));
        row(md, "output rail: AI response judged", String.valueOf(TokenCounts.RESPONSE_TOKENS));
        row(md, "output rail: prompt (measured in this run)", String.valueOf(r.ours().outputRail().promptTokens()));
        row(md, "output rail: whole verdict with a response", String.valueOf(c.fullWithResponse()));
        md.append('\n');

        md.append("### Throughput\n\n")
                .append("| configuration | prefill tok/s | decode tok/s | weight bytes / token | bandwidth bound tok/s "
                        + "| decode / bound |\n|---|---|---|---|---|---|\n");
        throughput(md, r.ours());
        if (r.naive() != null) throughput(md, r.naive());
        md.append('\n');

        md.append("### Verdict latency through Guard + JlamaBackend (p50)\n\n")
                .append("| check | ours p50 | naive p50 | naive / ours |\n|---|---|---|---|\n");
        inputRow(md, "input rail, " + r.ours().inputRail().promptTokens() + "-token prompt (median of all published prompts)",
                r.ours().inputRail(), r.naive() == null ? null : r.naive().inputRail());
        inputRow(md, "input rail, " + r.ours().inputRailShort().promptTokens()
                        + "-token prompt (median of published request-only prompts)",
                r.ours().inputRailShort(), r.naive() == null ? null : r.naive().inputRailShort());
        md.append("| output rail (").append(TokenCounts.RESPONSE_TOKENS).append("-token response) | ")
                .append(sec(r.ours().outputRail().p50())).append(" | – | – |\n\n");

        md.append("### Configurations\n\n| name | setup | load s |\n|---|---|---|\n");
        config(md, r.ours());
        if (r.naive() != null) config(md, r.naive());
        return md.toString();
    }

    private static void inputRow(StringBuilder md, String what, Bench.Latencies ours, Bench.Latencies naive) {
        md.append("| ").append(what).append(" | ").append(sec(ours.p50())).append(" | ")
                .append(naive == null ? "–" : sec(naive.p50())).append(" | ")
                .append(naive == null ? "–" : String.format(Locale.ROOT, "%.1f×", naive.p50() / ours.p50()))
                .append(" |\n");
    }

    private static void throughput(StringBuilder md, Bench.Configuration c) {
        Bench.Throughput t = c.throughput();
        md.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.1f MB | %.2f | %.0f%% |%n", c.name(),
                t.prefillTokensPerSecond(), t.decodeTokensPerSecond(), t.weightBytesPerToken() / 1e6,
                t.bandwidthBoundTokensPerSecond(), 100 * t.shareOfBound()));
    }

    private static void config(StringBuilder md, Bench.Configuration c) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f |%n", c.name(), c.setup(), c.loadSeconds()));
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
