package io.guardreasoner.cli.bench;

import io.guardreasoner.test.bench.TokenCounter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Generated tokens per input-rail check with and without early stop, fallbacks counted as continuations. */
class EarlyStopTokensTest {

    /** One token per whitespace-separated word: easy to count by hand. */
    private static final TokenCounter WORDS = (text, withBeginOfText) ->
            (text.isBlank() ? 0 : text.trim().split("\\s+").length) + (withBeginOfText ? 1 : 0);

    private static final String REST = "\n\n# Task 2\n\n## Reasoning Step 1: There is no response.\n\n"
            + "Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n";

    private static final String LABELLED = "# Task 1\n\n## Reasoning Step 1: The user asks how to bake bread.\n"
            + "## Conclusion: The human user's request is unharmful." + REST;

    private static final String NO_LABEL = "# Task 1\n\n## Reasoning Step 1: The user asks how to bake bread." + REST;

    private static final String NEVER_CUT = "# Task 1\n\n## Conclusion: The request is unharmful.\n\n"
            + "Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n";

    @Test
    void countsTask1UpToAndIncludingTheStopSequenceWhenItGivesALabel() {
        EarlyStopTokens e = EarlyStopTokens.of(List.of(LABELLED), WORDS, "test");

        String cut = LABELLED.substring(0, LABELLED.indexOf("# Task 2") + "# Task 2".length());
        assertThat(e.withEarlyStop()).isEqualTo(WORDS.count(cut, false));
        assertThat(e.withoutEarlyStop()).isEqualTo(WORDS.count(LABELLED, false));
        assertThat(e.withEarlyStop()).isLessThan(e.withoutEarlyStop());
        assertThat(e.fallbacks()).isZero();
        assertThat(e.neverCut()).isZero();
    }

    @Test
    void countsTheWholeOutputForAFallbackThatContinuedAndForAnOutputNeverCut() {
        EarlyStopTokens e = EarlyStopTokens.of(List.of(NO_LABEL, NEVER_CUT), WORDS, "test");

        assertThat(e.fallbacks()).isEqualTo(1);
        assertThat(e.neverCut()).isEqualTo(1);
        assertThat(e.withEarlyStop()).isEqualTo(e.withoutEarlyStop());
        assertThat(e.saving()).isZero();
    }

    @Test
    void averagesOverAllChecks() {
        EarlyStopTokens e = EarlyStopTokens.of(List.of(LABELLED, NO_LABEL), WORDS, "test");

        String cut = LABELLED.substring(0, LABELLED.indexOf("# Task 2") + "# Task 2".length());
        assertThat(e.checks()).isEqualTo(2);
        assertThat(e.withEarlyStop()).isCloseTo((WORDS.count(cut, false) + WORDS.count(NO_LABEL, false)) / 2.0,
                within(1e-9));
        assertThat(e.withoutEarlyStop()).isCloseTo((WORDS.count(LABELLED, false) + WORDS.count(NO_LABEL, false)) / 2.0,
                within(1e-9));
        assertThat(e.fallbacks()).isEqualTo(1);
    }
}
