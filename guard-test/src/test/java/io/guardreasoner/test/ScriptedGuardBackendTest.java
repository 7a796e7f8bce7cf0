package io.guardreasoner.test;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.LabelConfidence;
import io.guardreasoner.core.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The scripted backend stops, reports tokens and continues its own answers as an in-process backend does. */
class ScriptedGuardBackendTest {

    private static final String BREAD = GuardPrompt.modelCard().render(Exchange.request("How do I bake bread?"));

    /** Task 1 hedges, so a guard that stops at "# Task 2" must go on to the answer block. */
    private static final String HEDGING = "# Task 1\n\n## Reasoning Step 1\nIt could go either way.\n\n"
            + "## Conclusion\nThe request is not clearly either.\n\n# Task 2\n\nNone.\n\n# Task 3\n\nNone.\n\n---\n\n"
            + "Answers: \nRequest: harmful\nCompletion: None\nResponse: None\n";

    @Test
    void reportsTheStopSequenceAsCutAndTheTokensOfAllItWrote() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create());

        Generation g = backend.generate(BREAD, GenerationOptions.maxTokens(1024)
                .withStopSequences(List.of("# Task 2")).withTopLogprobs(3));

        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(g.cut()).isEqualTo("# Task 2");
        assertThat(g.text()).endsWith("The human user's request is unharmful.\n\n");
        assertThat(g.tokens()).extracting(GeneratedToken::text).containsSubsequence(" unharmful", ".", "\n\n", "#", " Task", " 2");
        assertThat(String.join("", g.tokens().stream().map(GeneratedToken::text).toList())).isEqualTo(g.written());
        assertThat(backend.generate(BREAD, GenerationOptions.maxTokens(1024)).tokens()).as("none unless asked").isEmpty();
    }

    @Test
    void aStopSequenceEndingInsideATokenCutsTheRestOfThatToken() {
        Generation g = new ScriptedGuardBackend(GuardScript.create())
                .generate(BREAD, GenerationOptions.maxTokens(1024).withStopSequences(List.of("# Ta")));
        assertThat(g.cut()).isEqualTo("# Task");
    }

    @Test
    void resumeContinuesTheAnswerWhereTheStopLeftIt() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create());
        GenerationOptions options = GenerationOptions.maxTokens(1024).withTopLogprobs(2);

        Generation stopped = backend.generate(BREAD, options.withStopSequences(List.of("# Task 2")));
        Generation all = backend.resume(BREAD, stopped, options);

        assertThat(all.text()).isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null));
        assertThat(backend.prompts()).containsExactly(BREAD, BREAD + stopped.text() + "# Task 2");
        assertThat(String.join("", all.tokens().stream().map(GeneratedToken::text).toList())).isEqualTo(all.text());
    }

    @Test
    void aGuardThatStopsEarlyReadsTheLabelAndItsProbabilityFromTheContinuation() {
        GuardScript script = GuardScript.create().when(e -> true).reply(HEDGING).withProbability(0.8);
        ScriptedGuardBackend backend = new ScriptedGuardBackend(script);
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assessment a = guard.checkRequest("Is this fine?");

            assertThat(a.verdict().flatMap(Verdict::request)).contains(Harm.HARMFUL);
            LabelConfidence confidence = a.verdict().orElseThrow().confidence().request().orElseThrow();
            assertThat(confidence.probability()).isCloseTo(0.8, within(1e-9));
            assertThat(confidence.probabilityOf(Harm.UNHARMFUL)).isCloseTo(0.2, within(1e-9));
            assertThat(backend.prompts()).hasSize(2);
            assertThat(backend.prompts().get(1)).endsWith("The request is not clearly either.\n\n# Task 2");
        }
    }

    @Test
    void theLabelProbeGetsTheFullAnswersRequestLabel() {
        ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create().when(e -> true).reply(HEDGING));
        try (Guard guard = Guard.builder().backend(backend).labelProbe(true).build()) {
            Assessment a = guard.checkRequest("Is this fine?");

            assertThat(a.verdict().flatMap(Verdict::request)).contains(Harm.HARMFUL);
            assertThat(backend.prompts()).hasSize(2);
            assertThat(backend.prompts().get(1)).endsWith("---\n\nAnswers: \nRequest:");
            assertThat(a.verdict().orElseThrow().confidence().request().orElseThrow().probability()).isEqualTo(1.0);
        }
    }

    @Test
    void withProbabilityNeedsARuleAndAProbability() {
        assertThatThrownBy(() -> GuardScript.create().withProbability(0.5)).hasMessageContaining("rule added last");
        GuardScript script = GuardScript.create().when(e -> true).answer(Harm.HARMFUL, null, null);
        assertThatThrownBy(() -> script.withProbability(0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> script.withProbability(1.5)).hasMessageContaining("(0, 1]");
    }
}
