package io.guardreasoner.cli;

import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ConvertCommandTest {

    @Test
    void writesAQ8_0GgufByDefaultAndPrintsOneLineWithFileTypeAndSize(@TempDir Path tmp) throws Exception {
        Path model = LlamaModelWriter.builder().seed(3).build().write(tmp.resolve("tiny"));
        Path out = tmp.resolve("out").resolve("tiny.gguf");

        CliRun run = CliRun.run("convert", "--model-dir", model.toString(), "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out).isRegularFile();
        assertThat(new String(Files.readAllBytes(out), 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("GGUF");
        assertThat(run.out().lines().toList()).singleElement().isEqualTo(out + " q8_0 " + Files.size(out) + " bytes ("
                + String.format(java.util.Locale.ROOT, "%.1f", Files.size(out) / 1048576.0) + " MiB)");
    }

    @Test
    void writesEachTypeAskedFor(@TempDir Path tmp) throws Exception {
        Path model = LlamaModelWriter.builder().seed(3).build().write(tmp.resolve("tiny"));
        for (String type : List.of("f32", "f16", "q8_0", "q4_0", "Q4_0")) {
            Path out = tmp.resolve(type + ".gguf");

            CliRun run = CliRun.run("convert", "--model-dir", model.toString(), "--out", out.toString(), "--type", type);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith(out + " " + type.toLowerCase(java.util.Locale.ROOT) + " ");
        }
        assertThat(Files.size(tmp.resolve("f32.gguf"))).isGreaterThan(Files.size(tmp.resolve("f16.gguf")));
    }

    @Test
    void badArgumentsAndUnreadableModelsExitWithTwoAndLeaveNothingBehind(@TempDir Path tmp) throws Exception {
        Path model = LlamaModelWriter.builder().seed(3).build().write(tmp.resolve("tiny"));
        Path out = tmp.resolve("x.gguf");

        CliRun noOut = CliRun.run("convert", "--model-dir", model.toString());
        assertThat(noOut.exitCode()).isEqualTo(2);
        assertThat(noOut.err()).contains("--out");

        CliRun badType = CliRun.run("convert", "--model-dir", model.toString(), "--out", out.toString(), "--type", "q5_k");
        assertThat(badType.exitCode()).isEqualTo(2);
        assertThat(badType.err()).contains("--type must be f32, f16, q8_0 or q4_0, was 'q5_k'");

        CliRun missing = CliRun.run("convert", "--model-dir", tmp.resolve("absent").toString(), "--out", out.toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a directory");

        Path noConfig = Files.createDirectories(tmp.resolve("no-config"));
        Files.copy(model.resolve("model.safetensors"), noConfig.resolve("model.safetensors"));
        CliRun unreadable = CliRun.run("convert", "--model-dir", noConfig.toString(), "--out", out.toString());
        assertThat(unreadable.exitCode()).isEqualTo(2);
        assertThat(unreadable.err()).contains("has no config.json");

        Path truncated = Files.createDirectories(tmp.resolve("truncated"));
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) Files.copy(f, truncated.resolve(f.getFileName()));
        }
        byte[] weights = Files.readAllBytes(truncated.resolve("model.safetensors"));
        Files.write(truncated.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
        CliRun cut = CliRun.run("convert", "--model-dir", truncated.toString(), "--out", out.toString());
        assertThat(cut.exitCode()).isEqualTo(2);
        assertThat(cut.err()).contains("truncated");

        CliRun outIsFolder = CliRun.run("convert", "--model-dir", model.toString(), "--out", tmp.toString());
        assertThat(outIsFolder.exitCode()).isEqualTo(2);
        assertThat(outIsFolder.err()).contains("is a directory");

        assertThat(List.of(noOut, badType, missing, unreadable, cut, outIsFolder)).allSatisfy(r -> assertThat(r.out()).isEmpty());
        assertThat(out).doesNotExist();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.filter(p -> p.toString().endsWith(".partial"))).isEmpty();
        }
    }
}
