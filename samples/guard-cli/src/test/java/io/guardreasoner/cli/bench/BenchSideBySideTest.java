package io.guardreasoner.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.guardreasoner.jlama.JlamaBench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two backends in one run, as with {@code --backends jlama,llamacpp}: a second registered entry (Jlama again, keeping
 * no recent KV state) on the same tiny model gets its own table, a column beside the first, a concurrency row and a
 * JSON object.
 */
class BenchSideBySideTest {

    @TempDir
    Path tmp;

    @Test
    void printsOneTablePerBackendAndTheBackendsSideBySide() {
        BenchBackends.Entry second = new BenchBackends.Entry("second", "guard-jlama", Optional.of(
                (modelDir, cacheDir, threads, slots) -> JlamaBench.open(modelDir, cacheDir, threads, false, 0)));
        Bench.Settings settings = new Bench.Settings(BenchModel.Shape.TINY, 0, tmp, 0, 1, 0, 8, 16L << 20, null, null,
                true, List.of(BenchBackends.all().getFirst(), second), List.of(), true, 5_000);

        Bench.Result result = new Bench(settings, new PrintStream(new ByteArrayOutputStream())).run();
        String md = BenchReport.markdown(result);
        JsonNode json = BenchJson.tree(result);

        assertThat(result.backends()).extracting(Bench.Configuration::backend).containsExactly("jlama", "second");
        assertThat(result.naive()).isNull();
        assertThat(md).contains("| check | ours p50 | naive p50 | naive / ours |", "| check | second p50 |",
                "### Backends side by side (same weights, same forced token counts)",
                "| figure | jlama | second | second / jlama |");
        String sideBySide = md.substring(md.indexOf("### Backends side by side"), md.indexOf("### Concurrency"));
        assertThat(sideBySide.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| figure")))
                .hasSize(8).allMatch(l -> l.matches("\\| [^|]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+× \\|"));
        assertThat(md).contains("| jlama | ", "| second | ");
        // Keeping no recent sequence, the second backend computes the same request again.
        assertThat(md).contains("| input rail again, same request | " + result.backends().get(1).inputRail().promptTokens()
                + " | " + result.backends().get(1).inputRail().computedPromptTokens() + " | ");
        assertThat(json.path("backends")).hasSize(2);
        assertThat(json.path("backends").get(1).path("backend").asText()).isEqualTo("second");
        assertThat(json.path("backends").get(1).path("concurrent4Speedup").asDouble()).isPositive();
        assertThat(json.path("naive").isNull()).isTrue();
    }
}
