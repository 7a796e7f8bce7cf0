package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** A continued generation keeps its token probabilities only where they stand. */
class GenerationTest {

    private static GeneratedToken token(String text) {
        return new GeneratedToken(text, -0.1, List.of());
    }

    private static Generation generation(String text, String cut, String... tokens) {
        return new Generation(text, OptionalInt.of(9), OptionalInt.of(tokens.length), Generation.FinishReason.STOP_SEQUENCE,
                cut, List.of(tokens).stream().map(GenerationTest::token).toList());
    }

    @Test
    void joinsTheTokensWhenTheFirstPartsSpellAllItWrote() {
        Generation first = generation("is unharmful.\n\n", "# Task 2", "is", " unharmful", ".\n\n", "#", " Task", " 2");
        Generation next = generation("\n\nAnswers:", "", "\n\n", "Answers", ":");

        Generation joined = first.followedBy(next);

        assertThat(joined.text()).isEqualTo("is unharmful.\n\n# Task 2\n\nAnswers:");
        assertThat(joined.tokens()).hasSize(9);
        assertThat(joined.generatedTokens()).hasValue(9);
        assertThat(joined.promptTokens()).hasValue(9);
    }

    @Test
    void keepsOnlyTheFirstPartsTokensWhenTheyLeaveTheStopSequenceOut() {
        // As llama.cpp reports: no tokens for the stop sequence it stopped on.
        Generation first = generation("is unharmful.\n\n", "# Task 2", "is", " unharmful", ".\n\n");
        Generation next = generation("\n\nAnswers:", "", "\n\n", "Answers", ":");

        Generation joined = first.followedBy(next);

        assertThat(joined.text()).isEqualTo("is unharmful.\n\n# Task 2\n\nAnswers:");
        assertThat(joined.tokens()).isEqualTo(first.tokens());
        assertThat(first.followedBy(generation("\n\nAnswers:", "")).tokens()).isEqualTo(first.tokens());
        assertThat(generation("x", "").followedBy(next).tokens()).isEmpty();
    }
}
