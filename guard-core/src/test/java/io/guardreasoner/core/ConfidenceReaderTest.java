package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The model's confidence in each label, read at the token where the label starts. */
class ConfidenceReaderTest {

    private static final VerdictParser PARSER = VerdictParser.standard();

    /** Tokens for {@code pieces}, each certain, except the given alternatives at the piece that equals {@code at}. */
    private static List<GeneratedToken> tokens(List<String> pieces, String at, GeneratedToken.Alternative... top) {
        List<GeneratedToken> tokens = new ArrayList<>();
        for (String piece : pieces) {
            boolean here = piece.equals(at);
            double logprob = here ? top[0].logprob() : 0;
            tokens.add(new GeneratedToken(piece, logprob, here ? List.of(top) : List.of()));
        }
        return tokens;
    }

    private static GeneratedToken.Alternative alt(String text, double p) {
        return new GeneratedToken.Alternative(text, Math.log(p));
    }

    private static Confidence read(List<GeneratedToken> tokens) {
        String text = String.join("", tokens.stream().map(GeneratedToken::text).toList());
        Generation generation = new Generation(text, OptionalInt.empty(), OptionalInt.empty(),
                Generation.FinishReason.END_OF_TEXT, "", tokens);
        Verdict verdict = PARSER.parse(generation.text());
        return ConfidenceReader.read(verdict, generation.written(), 0, generation.tokens());
    }

    @Test
    void readsTheAnswerBlocksLabelTokenAndItsAlternative() {
        Confidence c = read(tokens(List.of("# Task 1\n", "The request is", " harmful", ".\n\n", "Answers:", " \n",
                "Request:", " un", "harm", "ful", "\n", "Completion:", " None", "\n", "Response:", " None", "\n"),
                " un", alt(" un", 0.8), alt(" harmful", 0.15), alt(" not", 0.05)));

        assertThat(c.request()).hasValueSatisfying(r -> {
            assertThat(r.label()).isEqualTo(Harm.UNHARMFUL);
            assertThat(r.probability()).isCloseTo(0.8, within(1e-9));
            assertThat(r.probabilityOf(Harm.HARMFUL)).isCloseTo(0.15, within(1e-9));
        });
        assertThat(c.completion()).isEmpty();
        assertThat(c.response()).isEmpty();
    }

    @Test
    void readsAConclusionWhenThereIsNoAnswerBlock() {
        Confidence c = read(tokens(List.of("# Task 1\n\n", "## Conclusion\n", "The request is", " harmful", ".\n\n"),
                " harmful", alt(" harmful", 0.55), alt(" un", 0.4)));

        assertThat(c.request()).hasValueSatisfying(r -> {
            assertThat(r.label()).isEqualTo(Harm.HARMFUL);
            assertThat(r.probability()).isCloseTo(0.55, within(1e-9));
            assertThat(r.other()).isCloseTo(0.4, within(1e-9));
        });
    }

    @Test
    void everyLabelOfAFullAnswerGetsItsOwnToken() {
        List<GeneratedToken> tokens = new ArrayList<>(tokens(List.of("Answers:", " \n", "Request:", " harmful", "\n",
                "Completion:"), " harmful", alt(" harmful", 0.9)));
        tokens.add(new GeneratedToken(" refusal", Math.log(0.6), List.of(alt(" refusal", 0.6), alt(" compliance", 0.3))));
        tokens.add(new GeneratedToken("\nResponse:", 0, List.of()));
        tokens.add(new GeneratedToken(" un", Math.log(0.97), List.of(alt(" un", 0.97), alt(" harmful", 0.02))));
        tokens.add(new GeneratedToken("harmful", 0, List.of()));

        Confidence c = read(tokens);

        assertThat(c.request().orElseThrow().probability()).isCloseTo(0.9, within(1e-9));
        assertThat(c.completion().orElseThrow().label()).isEqualTo(Compliance.REFUSAL);
        assertThat(c.completion().orElseThrow().probabilityOf(Compliance.COMPLIANCE)).isCloseTo(0.3, within(1e-9));
        assertThat(c.response().orElseThrow().label()).isEqualTo(Harm.UNHARMFUL);
        assertThat(c.response().orElseThrow().probabilityOf(Harm.HARMFUL)).isCloseTo(0.02, within(1e-9));
    }

    @Test
    void noTokensGiveNoConfidenceNeverAGuess() {
        Generation generation = Generation.of("Answers: \nRequest: harmful\n", Generation.FinishReason.END_OF_TEXT);
        Verdict verdict = PARSER.parse(generation.text());

        assertThat(ConfidenceReader.read(verdict, generation.written(), 0, generation.tokens())).isEqualTo(Confidence.NONE);
    }

    @Test
    void aTokenThatDoesNotSpellTheLabelGivesNoConfidence() {
        // The label's first character sits in a token that spells something else: no guess.
        List<GeneratedToken> tokens = List.of(new GeneratedToken("Answers: \nRequest: h", -0.1, List.of()),
                new GeneratedToken("armful\n", 0, List.of()));
        assertThat(read(tokens).request()).isEmpty();
    }
}
