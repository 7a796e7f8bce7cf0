package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.VerdictParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code eval}: judges a published-outputs benchmark live and scores it like replay. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = {
        "Takes the human request and the response out of each item's 'prompt' in FILE (the layout of",
        "guardreasoner-outputs/*/*/generated_predictions.jsonl), judges them live on the backend (output rail when",
        "there is a response, input rail otherwise), and prints replay's table plus latency p50/p95 and the agreement:",
        "how often the live label equals the label parsed from the item's published output (the authors' model), as",
        "distinct from F1 against the gold label. When the backend reports token probabilities, a threshold sweep",
        "follows: F1 when P(positive label) >= 0.1 ... 0.9 decides. Progress goes to stderr; --out writes one JSON line",
        "per item, with \"agrees\" (null for an item without a published output)."})
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions options;

    @Option(names = "--benchmark", paramLabel = "FILE.jsonl", required = true, description = "The benchmark file.")
    Path benchmarkFile;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "1", description = "Checks in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--out", paramLabel = "FILE", description = "Write one JSON line per item here.")
    Path outFile;

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1) throw new GuardCli.ConfigurationException("--concurrency must be at least 1, was " + concurrency);
        if (!Files.isRegularFile(benchmarkFile)) throw new GuardCli.ConfigurationException("--benchmark " + benchmarkFile + " is not a file");
        Benchmark benchmark = Benchmark.read(benchmarkFile);
        PrintWriter err = spec.commandLine().getErr();
        List<Exchange> exchanges = new ArrayList<>();
        for (Benchmark.Item item : benchmark.items()) {
            exchanges.add(GuardPrompt.parse(item.prompt()).orElseThrow(() -> new GuardCli.ConfigurationException(
                    benchmarkFile + ":" + item.line() + " has no GuardReasoner prompt in its 'prompt' field")));
        }

        // The authors' evaluation layout, uncapped, so the model sees exactly the published prompts.
        GuardPrompt layout = GuardPrompt.of(GuardPrompt.Layout.EVALUATION, Integer.MAX_VALUE);
        Assessment[] results = new Assessment[exchanges.size()];
        AtomicInteger done = new AtomicInteger();
        try (Guard guard = options.guard(options.backend(concurrency), layout, concurrency)) {
            // At most `concurrency` checks in flight: each finished one starts the next.
            AtomicInteger next = new AtomicInteger();
            List<CompletableFuture<Void>> lanes = new ArrayList<>();
            for (int lane = 0; lane < Math.min(concurrency, exchanges.size()); lane++) {
                lanes.add(runLane(guard, exchanges, results, next, done, err));
            }
            CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new)).join();
        }

        Benchmark.Score score = new Benchmark.Score();
        double[] latencies = new double[results.length];
        Boolean[] agrees = agreement(benchmark, results);
        for (int i = 0; i < results.length; i++) {
            Assessment a = results[i];
            score.add(benchmark.items().get(i).label(), a.verdict().flatMap(benchmark.task()::predicted),
                    benchmark.task().positive);
            latencies[i] = a.latency().toNanos() / 1e6;
        }
        Arrays.sort(latencies);
        PrintWriter out = spec.commandLine().getOut();
        String[] header = ReplayCommand.header(true).split("\n");
        out.println(header[0] + " agreement (%) |");
        out.println(header[1] + "---|");
        out.println(ReplayCommand.row(benchmark, score, new double[] {percentile(latencies, 50), percentile(latencies, 95)})
                + " " + percent(agrees) + " |");
        String sweep = ThresholdSweep.table(benchmark, Arrays.stream(results).map(Assessment::verdict).toList());
        if (sweep != null) {
            out.println();
            out.println(sweep);
        }
        out.flush();
        reportAgreement(agrees, benchmark, err);
        if (outFile != null) writeItems(benchmark, results, agrees);
        return 0;
    }

    /**
     * Per item, whether the live label equals the label our parser reads from the item's published output ("none"
     * equal to "none"); null for an item without a published output.
     */
    private static Boolean[] agreement(Benchmark benchmark, Assessment[] results) {
        VerdictParser parser = VerdictParser.standard();
        Boolean[] agrees = new Boolean[results.length];
        for (int i = 0; i < results.length; i++) {
            String published = benchmark.items().get(i).predict();
            if (published == null) continue;
            Optional<String> theirs = benchmark.task().predicted(parser.parse(published));
            Optional<String> ours = results[i].verdict().flatMap(benchmark.task()::predicted);
            agrees[i] = Objects.equals(theirs, ours);
        }
        return agrees;
    }

    /** The agreement in percent of the items with a published output; "n/a" when none has one. */
    private static String percent(Boolean[] agrees) {
        long compared = Arrays.stream(agrees).filter(Objects::nonNull).count();
        long same = Arrays.stream(agrees).filter(Boolean.TRUE::equals).count();
        return compared == 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f", 100.0 * same / compared);
    }

    private static void reportAgreement(Boolean[] agrees, Benchmark benchmark, PrintWriter err) {
        long compared = Arrays.stream(agrees).filter(Objects::nonNull).count();
        List<Integer> differ = new ArrayList<>();
        for (int i = 0; i < agrees.length; i++) {
            if (Boolean.FALSE.equals(agrees[i])) differ.add(benchmark.items().get(i).line());
        }
        synchronized (err) {
            err.printf("eval: %d of %d live labels agree with the published outputs%s%n", compared - differ.size(),
                    compared, differ.isEmpty() ? "" : "; different at lines " + differ);
            err.flush();
        }
    }

    private CompletableFuture<Void> runLane(Guard guard, List<Exchange> exchanges, Assessment[] results,
                                            AtomicInteger next, AtomicInteger done, PrintWriter err) {
        int index = next.getAndIncrement();
        if (index >= exchanges.size()) return CompletableFuture.completedFuture(null);
        Exchange exchange = exchanges.get(index);
        Rail rail = exchange.hasResponse() ? Rail.OUTPUT : Rail.INPUT;
        return guard.assessAsync(exchange, rail).thenCompose(assessment -> {
            results[index] = assessment;
            int finished = done.incrementAndGet();
            if (finished % 25 == 0 || finished == exchanges.size()) {
                synchronized (err) {
                    err.printf("eval: %d/%d%n", finished, exchanges.size());
                    err.flush();
                }
            }
            return runLane(guard, exchanges, results, next, done, err);
        });
    }

    private void writeItems(Benchmark benchmark, Assessment[] results, Boolean[] agrees) throws IOException {
        try (BufferedWriter writer = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) {
            for (int i = 0; i < results.length; i++) {
                Benchmark.Item item = benchmark.items().get(i);
                ObjectNode node = VerdictJson.JSON.createObjectNode();
                node.put("line", item.line());
                node.put("label", item.label());
                node.put("predicted", results[i].verdict().flatMap(benchmark.task()::predicted).orElse(null));
                node.put("agrees", agrees[i]);
                node.setAll(ClassifyCommand.json(results[i]));
                writer.write(VerdictJson.JSON.writeValueAsString(node));
                writer.newLine();
            }
        }
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

}
