package io.guardreasoner.cli;

import io.guardreasoner.core.VerdictParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code replay DIR}: scores the published outputs of every benchmark under DIR with our parser. */
@Command(name = "replay", mixinStandardHelpOptions = true, description = {
        "Parses every 'predict' of each <benchmark>/generated_predictions.jsonl under DIR and prints, per benchmark,",
        "the task, n, F1 of the positive class (harmful; refusal for the refusal task) and how many were unparseable.",
        "An unparseable item counts as wrong once."})
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "A folder laid out like guardreasoner-outputs/3B.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        out.println(ReplayCommand.header(false));
        VerdictParser parser = VerdictParser.standard();
        for (Path file : Benchmark.filesUnder(dir)) {
            Benchmark benchmark = Benchmark.read(file);
            Benchmark.Score score = new Benchmark.Score();
            for (Benchmark.Item item : benchmark.items()) {
                Optional<String> predicted = item.predict() == null ? Optional.empty()
                        : benchmark.task().predicted(parser.parse(item.predict()));
                score.add(item.label(), predicted, benchmark.task().positive);
            }
            out.println(row(benchmark, score, null));
        }
        out.flush();
        return 0;
    }

    /** The table header; eval adds latency columns. */
    static String header(boolean withLatency) {
        return withLatency
                ? "| benchmark | task | n | F1 (%) | unparseable | p50 latency (ms) | p95 latency (ms) |\n|---|---|---|---|---|---|---|"
                : "| benchmark | task | n | F1 (%) | unparseable |\n|---|---|---|---|---|";
    }

    /** One table row; {@code latency} is {p50, p95} in ms, or null for replay. */
    static String row(Benchmark benchmark, Benchmark.Score score, double[] latency) {
        String row = String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %d |", benchmark.name(),
                benchmark.task().description, score.n, score.f1(), score.unparseable);
        return latency == null ? row : row + String.format(Locale.ROOT, " %.0f | %.0f |", latency[0], latency[1]);
    }
}
