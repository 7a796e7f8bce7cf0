package io.guardreasoner.cli;

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

/** The bench command end to end on a tiny random-weight model: real Jlama runs, tables with every figure. */
class BenchCommandTest {

    @TempDir
    Path tmp;

    @Test
    void printsThroughputAndLatencyTablesForOursAndNaive() throws Exception {
        StringWriter out = new StringWriter();
        int exit = GuardCli.commandLine().setOut(new PrintWriter(out)).execute("bench", "--shape", "tiny",
                "--runs", "2", "--naive-runs", "1", "--decode-tokens", "16", "--bandwidth-mib", "16",
                "--work-dir", tmp.resolve("work").toString(), "--outputs-dir", tmp.resolve("none").toString(),
                "--clean");
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
