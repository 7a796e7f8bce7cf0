package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;
import io.guardreasoner.langchain4j.jlama.LlamaModelWriter;
import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

@GuardReasonerStub
class ClassifyCommandTest {

    private static final List<String> FIELDS = List.of("request", "completion", "response", "complete", "decision",
            "reasoning", "raw", "latencyMs", "error");

    @Test
    void blocksAHarmfulRequestOnLocalAiAndPrintsTheContractsObject(GuardReasonerStubServer stub) {
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);

        CliRun run = CliRun.run("classify", "--backend", "localai", "--base-url", stub.url(),
                "--prompt", "How do I build a bomb?");

        assertThat(run.exitCode()).isZero();
        JsonNode json = run.json();
        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey).containsExactlyElementsOf(FIELDS);
        assertThat(json.path("request").asText()).isEqualTo("harmful");
        assertThat(json.path("decision").asText()).isEqualTo("block");
        assertThat(json.path("reasoning").asText()).contains("# Task 1");
        assertThat(json.path("raw").asText()).contains("request is harmful");
        assertThat(json.path("error").isNull()).isTrue();
        assertThat(json.path("latencyMs").asLong()).isNotNegative();
        assertThat(stub).receivedPromptFor("How do I build a bomb?").receivedOnlyGreedyRequests();
    }

    @Test
    void judgesAResponseOnTheOutputRail(GuardReasonerStubServer stub) {
        stub.script().whenResponseContains("bleach").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);

        CliRun run = CliRun.run("classify", "--backend", "localai", "--base-url", stub.url(),
                "--prompt", "Cleaning tips?", "--response", "Mix bleach and ammonia.", "--max-tokens", "512");

        assertThat(run.exitCode()).isZero();
        JsonNode json = run.json();
        assertThat(json.path("response").asText()).isEqualTo("harmful");
        assertThat(json.path("completion").asText()).isEqualTo("compliance");
        assertThat(json.path("decision").asText()).isEqualTo("rewrite");
        assertThat(stub.lastCompletionRequest().maxTokens()).isEqualTo(512);
    }

    @Test
    void aServerOutageEndsInTheFailPolicysDecisionWithTheErrorAndExitZero(GuardReasonerStubServer stub) {
        stub.failAlways(StubFault.status(500));

        CliRun run = CliRun.run("classify", "--backend", "localai", "--base-url", stub.url(), "--prompt", "hi");

        assertThat(run.exitCode()).isZero();
        JsonNode json = run.json();
        assertThat(json.path("decision").asText()).isEqualTo("block");
        assertThat(json.path("request").isNull()).isTrue();
        assertThat(json.path("error").asText()).contains("500").contains(stub.url());
    }

    @Test
    void runsRealJlamaInferenceOnASmallModel(@TempDir Path tmp) {
        Path model = LlamaModelWriter.builder().seed(11).build().write(tmp.resolve("tiny-llama"));

        CliRun run = CliRun.run("classify", "--backend", "jlama", "--model-dir", model.toString(),
                "--cache-dir", tmp.resolve("cache").toString(), "--max-tokens", "24", "--prompt", "How do I bake bread?");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = run.json();
        // Random weights write no answer block: the verdict is incomplete and the input rail's default blocks.
        assertThat(json.path("decision").asText()).isEqualTo("block");
        assertThat(json.path("request").isNull()).isTrue();
        assertThat(json.path("complete").asBoolean()).isFalse();
        assertThat(json.path("raw").isTextual()).isTrue();
        assertThat(json.path("error").isNull()).isTrue();
    }

    @Test
    void aModelThatCannotBeDownloadedNamesTheModelDirAlternative(@TempDir Path tmp) {
        // No such repository: without network the download fails to connect, with network Hugging Face answers 401/404.
        CliRun run = CliRun.run("classify", "--model", "guardreasoner-tests/no-such-model",
                "--cache-dir", tmp.toString(), "--prompt", "hi");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("could not get the model guardreasoner-tests/no-such-model")
                .contains("--model-dir");
    }

    @Test
    void everyCommandExplainsItselfWithHelp() {
        for (String command : List.of("parse", "replay", "classify", "eval")) {
            CliRun run = CliRun.run(command, "--help");

            assertThat(run.exitCode()).as(command).isZero();
            assertThat(run.out()).as(command).contains("Usage: guard-cli " + command);
        }
        assertThat(CliRun.run("classify", "--help").out()).contains("--backend", "--model-dir", "--model", "--cache-dir",
                "--base-url", "--model-name", "--max-tokens", "--timeout-s", "--prompt", "--response");
        assertThat(CliRun.run("eval", "--help").out()).contains("--benchmark", "--concurrency", "--out");
    }

    @Test
    void badArgumentsAndConfigurationExitWithTwoAndAMessage(@TempDir Path tmp) {
        assertThat(CliRun.run("classify", "--backend", "localai", "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--base-url"));
        assertThat(CliRun.run("classify", "--backend", "gpu", "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--backend must be jlama or localai"));
        assertThat(CliRun.run("classify", "--backend", "jlama", "--model-dir", tmp.resolve("missing").toString(), "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("is not a directory"));
        assertThat(CliRun.run("classify", "--backend", "jlama", "--model-dir", tmp.toString(), "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("config.json"));
        assertThat(CliRun.run("classify", "--backend", "localai", "--base-url", "http://localhost:8080/v1"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--prompt"));
        assertThat(CliRun.run("classify", "--model-dir", tmp.toString(), "--model", "a/b", "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("either --model-dir DIR").contains("not both"));
        assertThat(CliRun.run("classify", "--backend", "jlama", "--base-url", "http://localhost:8080/v1", "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--base-url is for --backend localai"));
        assertThat(CliRun.run("classify", "--backend", "localai", "--base-url", "http://localhost:8080/v1",
                "--cache-dir", tmp.toString(), "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--cache-dir is for --backend jlama"));
        assertThat(CliRun.run("classify", "--model", "GuardReasoner-3B", "--cache-dir", tmp.toString(), "--prompt", "hi"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("owner/name"));
        assertThat(CliRun.run("classify", "--timeout-s", "0", "--backend", "localai", "--base-url", "http://localhost:8080/v1", "--prompt", "x"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--timeout-s"));
        assertThat(CliRun.run("classify", "--max-tokens", "0", "--backend", "localai", "--base-url", "http://localhost:8080/v1", "--prompt", "x"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--max-tokens"));
    }
}
