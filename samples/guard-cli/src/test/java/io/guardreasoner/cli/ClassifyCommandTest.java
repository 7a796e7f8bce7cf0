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
        assertThat(CliRun.run("classify", "--max-tokens", "0", "--backend", "localai", "--base-url", "http://localhost:8080/v1", "--prompt", "x"))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
                .satisfies(r -> assertThat(r.err()).contains("--max-tokens"));
    }
}
