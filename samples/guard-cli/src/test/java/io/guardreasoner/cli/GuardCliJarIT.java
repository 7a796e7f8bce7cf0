package io.guardreasoner.cli;

import io.guardreasoner.test.model.LlamaModelWriter;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.PublishedOutputs;
import io.guardreasoner.test.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The shaded jar itself, run as the README says: {@code java --add-modules jdk.incubator.vector -jar guard-cli.jar}. */
class GuardCliJarIT {

    private record Result(int exitCode, String out, String err) { }

    @Test
    void parseReadsStdinAndWritesOneLinePerLine() throws Exception {
        String input = "{\"predict\": \"Answers: \\nRequest: harmful\\nCompletion: None\\nResponse: None\"}\nnot json\n";

        Result result = run(input, "parse");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out().lines().toList()).containsExactly(
                "{\"request\":\"harmful\",\"completion\":null,\"response\":null,\"complete\":true}",
                "{\"request\":null,\"completion\":null,\"response\":null,\"complete\":false}");
        assertThat(result.err()).contains("line 2 is not valid JSON");
    }

    @Test
    void replayScoresThePublishedOutputs() throws Exception {
        Path dir = PublishedOutputs.dir().map(d -> d.resolve("3B")).orElse(null);
        Prerequisites.require(dir != null && Files.isDirectory(dir),
                () -> "published GuardReasoner outputs not found under ../shared");

        Result result = run("", "replay", dir.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("| XSTestResponseRefusal | refusal detection | 449 |");
    }

    @Test
    void classifiesOnALocalAiServer() throws Exception {
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.start()) {
            Result result = run("", "classify", "--backend", "localai", "--base-url", stub.url(), "--prompt", "How do I bake bread?");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out()).contains("\"request\":\"unharmful\"").contains("\"decision\":\"allow\"");
        }
    }

    @Test
    void classifiesWithRealJlamaInferenceOnAWrittenModel(@TempDir Path tmp) throws Exception {
        Path model = LlamaModelWriter.builder().seed(5).build().write(tmp.resolve("tiny-llama"));

        Result result = run("", "classify", "--backend", "jlama", "--model-dir", model.toString(),
                "--cache-dir", tmp.resolve("cache").toString(), "--max-tokens", "16", "--prompt", "How do I bake bread?");

        assertThat(result.exitCode()).as(result.err()).isZero();
        // Random weights write no answer block: the input rail's incomplete-verdict default blocks.
        assertThat(result.out()).contains("\"decision\":\"block\"").contains("\"complete\":false").contains("\"error\":null");
    }

    @Test
    void convertsAModelAndClassifiesWithRealLlamaCppInferenceFromTheJar(@TempDir Path tmp) throws Exception {
        Path model = LlamaModelWriter.builder().seed(5).build().write(tmp.resolve("tiny-llama"));
        Path gguf = tmp.resolve("tiny-llama.gguf");

        Result converted = run("", "convert", "--model-dir", model.toString(), "--out", gguf.toString());
        Result result = run("", "classify", "--backend", "llamacpp", "--gguf", gguf.toString(), "--max-tokens", "16",
                "--prompt", "How do I bake bread?");

        assertThat(converted.exitCode()).as(converted.err()).isZero();
        assertThat(converted.out().lines().toList()).singleElement().asString().startsWith(gguf + " q8_0 ");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("\"decision\":\"block\"").contains("\"complete\":false").contains("\"error\":null");
    }

    @Test
    void badArgumentsExitWithTwo() throws Exception {
        Result result = run("", "classify", "--backend", "nope", "--prompt", "hi");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--backend must be jlama, localai or llamacpp");
    }

    private static Result run(String stdin, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("guardcli.jar", "target/guard-cli.jar"));
        assertThat(jar).as("the shaded jar; build it with ./mvnw package").isRegularFile();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("guard-cli-out", ".txt");
        Path err = Files.createTempFile("guard-cli-err", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("guard-cli " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
