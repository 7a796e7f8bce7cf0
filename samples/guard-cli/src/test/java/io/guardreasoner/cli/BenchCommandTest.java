package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.cli.bench.BenchBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench command end to end on a tiny random-weight model: real Jlama runs, tables and JSON with every figure. */
class BenchCommandTest {

    @TempDir
    Path tmp;

    @Test
    void printsThroughputAndLatencyTablesForOursAndNaive() throws Exception {
        StringWriter out = new StringWriter();
        Path json = tmp.resolve("figures/bench.json");
        int exit = GuardCli.commandLine().setOut(new PrintWriter(out)).execute("bench", "--shape", "tiny",
                "--runs", "2", "--naive-runs", "1", "--decode-tokens", "16", "--bandwidth-mib", "16",
                "--work-dir", tmp.resolve("work").toString(), "--outputs-dir", tmp.resolve("none").toString(),
                "--prefill", "--stream-tokens-per-s", "3000", "--json", json.toString(), "--clean");
        String md = out.toString();

        assertThat(exit).isZero();
        assertThat(md).contains("### Throughput", "### Forced token counts", "### Verdict latency",
                "| input rail, ours: Task 1 only, stop at `# Task 2` | 90 |",
                "| input rail, naive: whole verdict, no response | 243 |",
                "| output rail: whole verdict with a response | 287 |",
                "quantization PRE_QUANTIZED_Q4", "quantization RUNTIME_Q4", "prefix reuse off");
        for (String config : List.of("ours", "naive")) {
            double[] figures = numbers(row(md, "| " + config + " | "));
            assertThat(figures).as(config + " throughput row").hasSize(5);
            assertThat(Arrays.stream(figures).allMatch(v -> v > 0)).as(config + " figures " + Arrays.toString(figures)).isTrue();
        }
        for (String median : List.of("(median of all published prompts)", "(median of published request-only prompts)")) {
            String inputRow = md.lines().filter(l -> l.startsWith("| input rail, ") && l.contains(median)).findFirst()
                    .orElseThrow(() -> new AssertionError("no input-rail row " + median + " in\n" + md));
            double[] input = numbers(inputRow.substring(inputRow.indexOf(median) + median.length()));
            assertThat(input).as(inputRow).hasSize(3);
            assertThat(Arrays.stream(input).min().orElseThrow()).as(inputRow).isPositive();
        }
        double[] output = numbers(row(md, "| output rail (300-token response) | "));
        assertThat(output).hasSize(1);
        assertThat(output[0]).isPositive();
        // The tiny model's own tokenizer: its texts reach at least the real medians (its instruction alone is longer).
        assertThat(md).contains("| input rail: prompt, median of all published prompts | 212 (in this run: ",
                "| input rail: prompt, median of published request-only prompts | 126 (in this run: ");
        assertThat(md).contains("| memory bandwidth | ");

        // The new rows: a warm prompt cache, four checks at once, streaming prefill, and the early-stop tokens.
        double[] warm = numbers(row(md, "| input rail again, same "));
        assertThat(warm).as("warm row").hasSize(1);
        assertThat(warm[0]).isPositive();
        double[] concurrency = numbers(row(md, "| jlama | "));
        assertThat(concurrency).as("concurrency row").hasSize(6);
        assertThat(Arrays.stream(concurrency).allMatch(v -> v > 0)).as(Arrays.toString(concurrency)).isTrue();
        assertThat(md).contains("### Concurrency: 4 input-rail checks at once",
                "### Streaming prefill: output-rail latency after the last chat token",
                "### Generated tokens per input-rail check, with and without early stop", "Not computed",
                "| backends | jlama (ours and naive)");
        // Without --backends, a backend whose artifact is missing is left out, and the setup says so.
        for (BenchBackends.Entry missing : BenchBackends.missing()) {
            assertThat(row(md, "| backends | ")).contains(missing.name() + " skipped: " + missing.artifact()
                    + " is not on the class path");
        }
        String prefill = md.substring(md.indexOf("### Streaming prefill"));
        double[] prefilled = numbers(row(prefill, "| jlama | "));
        assertThat(prefilled).as("prefill row: two p50s, their ratio, prompt tokens computed without / with")
                .hasSize(5);
        assertThat(Arrays.stream(prefilled).allMatch(v -> v > 0)).as(Arrays.toString(prefilled)).isTrue();
        assertThat(prefilled[4]).as("prompt tokens left after the last chunk with prefill").isLessThanOrEqualTo(prefilled[3]);
        // Every backend on the same weights: one table each, side by side when there are several.
        for (BenchBackends.Entry backend : BenchBackends.availableByDefault()) {
            assertThat(md).contains("| " + backend.name() + " | ");
        }
        if (BenchBackends.availableByDefault().size() > 1) {
            assertThat(md).contains("### Backends side by side (same weights, same forced token counts)",
                    "| check | llamacpp p50 |", "| figure | jlama | llamacpp | llamacpp / jlama |");
        }
        // Every row of every table has as many cells as its header (a '|' in a setup line is escaped).
        String[] lines = md.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].startsWith("|---")) {
                int header = cells(lines[i - 1]);
                for (int j = i + 1; j < lines.length && lines[j].startsWith("| "); j++) {
                    assertThat(cells(lines[j])).as(lines[j]).isEqualTo(header);
                }
            }
        }
        // What the KV cache saved: a new request computes all but the instruction, the same one again almost nothing.
        double[] cold = numbers(row(md, "| input rail (all published prompts) | "));
        double[] again = numbers(row(md, "| input rail again, same request | "));
        assertThat(cold[1] + cold[2]).isEqualTo(cold[0]);
        assertThat(cold[2]).as("reused: the instruction and more").isGreaterThanOrEqualTo(jsonInstructionTokens(json));
        assertThat(again[1]).as("computed again").isLessThan(cold[1]);

        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.path("backends")).extracting(b -> b.path("backend").asText())
                .containsExactlyElementsOf(BenchBackends.availableByDefault().stream().map(BenchBackends.Entry::name).toList());
        for (JsonNode backend : figures.path("backends")) {
            for (String field : List.of("prefillTokPerS", "decodeTokPerS", "inputRailP50Ms", "inputRailShortP50Ms",
                    "outputRailP50Ms", "concurrent4Speedup", "inputRailWarmP50Ms")) {
                assertThat(backend.path(field).isNumber()).as(field + " in " + backend).isTrue();
                assertThat(backend.path(field).asDouble()).as(field).isPositive();
            }
        }
        JsonNode jlama = figures.path("backends").get(0);
        assertThat(jlama.path("inputRailP50Ms").asDouble()).as("ms, as the markdown's seconds")
                .isCloseTo(1000 * numbers(row(md, "| input rail, " + jlama.path("inputRailPromptTokens").asInt()
                        + "-token prompt"))[0], org.assertj.core.data.Offset.offset(5.1));
        assertThat(jlama.path("streamingPrefill").path("outputRailWithPrefillP50Ms").asDouble()).isPositive();
        assertThat(figures.path("naive").path("configuration").asText()).isEqualTo("naive");
        assertThat(figures.path("naive").path("outputRailP50Ms").isNull()).isTrue();
        assertThat(figures.path("skippedBackends")).hasSize(BenchBackends.missing().size());
        assertThat(figures.path("earlyStopTokens").isNull()).isTrue();
        // --clean removed the model and its Q4 copy.
        try (var left = Files.list(tmp.resolve("work"))) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void refusesAnUnknownShapeAsBadUsage() {
        StringWriter err = new StringWriter();
        int exit = GuardCli.commandLine().setErr(new PrintWriter(err)).execute("bench", "--shape", "70b",
                "--work-dir", tmp.toString());

        assertThat(exit).isEqualTo(GuardCli.BAD_USAGE);
        assertThat(err.toString()).contains("unknown shape '70b'");
    }

    @Test
    void refusesAnUnknownBackendAsBadUsage() {
        StringWriter err = new StringWriter();
        int exit = GuardCli.commandLine().setErr(new PrintWriter(err)).execute("bench", "--shape", "tiny",
                "--backends", "vllm", "--work-dir", tmp.toString());

        assertThat(exit).isEqualTo(GuardCli.BAD_USAGE);
        assertThat(err.toString()).contains("unknown backend 'vllm'");
    }

    private static double jsonInstructionTokens(Path json) throws java.io.IOException {
        return new ObjectMapper().readTree(json.toFile()).path("backends").get(0).path("instructionPrefixTokensReused")
                .asDouble();
    }

    /** The cells of a markdown table row, escaped pipes not counting. */
    private static int cells(String row) {
        return row.split("(?<!\\\\)\\|", -1).length - 2;
    }

    private static String row(String md, String start) {
        return md.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no row starting with " + start + " in\n" + md));
    }

    /** The numbers of a table row after its first cell. */
    private static double[] numbers(String row) {
        String cells = row.substring(row.indexOf('|', 1));
        Matcher m = Pattern.compile("(?<![\\w.])\\d+(?:\\.\\d+)?").matcher(cells);
        return m.results().mapToDouble(r -> Double.parseDouble(r.group())).toArray();
    }
}
