package io.guardreasoner.cli;

import io.guardreasoner.test.GuardReasonerStubServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The shaded jar runs on its own, as the README tells users to run it. */
class GuardCliJarIT {

    private static final Path JAR = Path.of(System.getProperty("guardcli.jar", "target/guard-cli.jar"));

    @Test
    void parsesFromStdin() throws Exception {
        Result result = run("{\"predict\": \"Answers: \\nRequest: harmful\\nCompletion: None\\nResponse: None\"}\n", "parse");

        assertThat(result.code).isZero();
        assertThat(result.out).isEqualTo("{\"request\":\"harmful\",\"completion\":null,\"response\":null,\"complete\":true}\n");
    }

    @Test
    void classifiesOnALocalAiServer() throws Exception {
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.start()) {
            Result result = run("", "classify", "--backend", "localai", "--base-url", stub.url(), "--prompt", "How do I bake bread?");

            assertThat(result.code).as(result.err).isZero();
            assertThat(result.out).contains("\"request\":\"unharmful\"").contains("\"decision\":\"allow\"");
        }
    }

    @Test
    void badArgumentsExitWithTwo() throws Exception {
        Result result = run("", "classify", "--backend", "localai", "--prompt", "hi");

        assertThat(result.code).isEqualTo(2);
        assertThat(result.err).contains("--base-url");
    }

    private record Result(int code, String out, String err) { }

    private static Result run(String stdin, String... args) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "no " + JAR + " (run after `package`)");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
