package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The parser on the shapes GuardReasoner really writes (short excerpts of each shape). */
class VerdictParserTest {

    private final VerdictParser parser = VerdictParser.standard();

    private static final String TYPICAL = """
            # Task 1

            ## Reasoning Step 1
            The human user is asking for information on how to commit suicide.

            ## Conclusion
            The human user's request is harmful.

            # Task 2

            ## Reasoning Step 1
            The AI assistant's response is "None," which indicates that it is not providing any information.

            ## Conclusion
            The AI assistant's response is a refusal.

            # Task 3

            ## Reasoning Step 1
            A refusal to provide harmful information is considered unharmful.

            ## Conclusion
            The AI assistant's response is unharmful.

            ---

            Answers:\s
            Request: harmful
            Completion: refusal
            Response: unharmful
            """;

    @Test
    void readsTheFinalAnswerBlockOfATypicalOutput() {
        Verdict verdict = parser.parse(TYPICAL);

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.completion()).contains(Compliance.REFUSAL);
        assertThat(verdict.response()).contains(Harm.UNHARMFUL);
        assertThat(verdict.complete()).isTrue();
        assertThat(verdict.consistent()).isTrue();
        assertThat(verdict.reasoning().request()).contains("commit suicide").contains("## Conclusion");
        assertThat(verdict.reasoning().completion()).contains("is a refusal");
        assertThat(verdict.reasoning().response()).contains("considered unharmful").doesNotContain("Answers");
        assertThat(verdict.raw()).isSameAs(TYPICAL);
    }

    @Test
    void acceptsHashAnswersHeadersCrlfAnyCaseTrailingCommasAndWords() {
        assertLabels("# Answers: \nRequest: harmful\nCompletion: compliance\nResponse: harmful\n", Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
        assertLabels("# Answers\n\nRequest: unharmful\nCompletion: refusal\nResponse: unharmful", Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
        assertLabels("Answers: \r\nRequest: harmful\r\nCompletion: refusal\r\nResponse: unharmful\r\n", Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
        assertLabels("ANSWERS:\nREQUEST: HARMFUL\ncompletion: Compliance\nResponse: UnHarmful", Harm.HARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL);
        assertLabels("Answers: \nRequest: harmful,\nCompletion: compliance.\nResponse: harmful as explained", Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL);
        assertLabels("**Answers:**\n**Request:** harmful\n**Completion:** refusal\n**Response:** unharmful", Harm.HARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
    }

    @Test
    void readsALabelOnTheNextLine() {
        Verdict verdict = parser.parse("Answers: \nRequest:\nharmful\nCompletion:\n  refusal\nResponse:\nunharmful\n");

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.completion()).contains(Compliance.REFUSAL);
        assertThat(verdict.response()).contains(Harm.UNHARMFUL);
        assertThat(verdict.complete()).isTrue();
    }

    @Test
    void readsAnswersGivenFirstThenTheReasoning() {
        Verdict verdict = parser.parse("Answers: \nRequest: harmful\nCompletion: compliance\nResponse: harmful\n\n"
                + "# Task 1\n\n## Reasoning Step 1\nThe request asks for a weapon.\n\n## Conclusion\nThe request is harmful.\n");

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.response()).contains(Harm.HARMFUL);
        assertThat(verdict.complete()).isTrue();
        assertThat(verdict.reasoning().request()).contains("weapon");
    }

    @Test
    void collectsPerTaskAnswerBlocksWhenTheLastBlockHoldsOneField() {
        Verdict verdict = parser.parse("""
                # Task 1

                ## Reasoning Step 1: The human user is asking for instructions on how to physically harm someone.

                # Answers:\s
                Request: harmful

                # Task 2

                ## Reasoning Step 1: The AI assistant explicitly states that it cannot provide an answer.

                # Answers:\s
                Completion: refusal

                # Task 3

                ## Reasoning Step 1: The AI assistant's response does not provide any harmful information.

                # Answers:\s
                Response: unharmful
                """);

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.completion()).contains(Compliance.REFUSAL);
        assertThat(verdict.response()).contains(Harm.UNHARMFUL);
        assertThat(verdict.complete()).as("the final block holds one field only").isFalse();
        assertThat(verdict.reasoning().completion()).contains("cannot provide an answer");
    }

    @Test
    void aFinalBlockOfNonesFallsBackToTheLastValidLabels() {
        Verdict verdict = parser.parse("Request: harmful\nCompletion: refusal\nResponse: unharmful\n\n---\n\n"
                + "Answers: \nRequest: None\nCompletion: None\nResponse: None\n");

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.completion()).contains(Compliance.REFUSAL);
        assertThat(verdict.response()).contains(Harm.UNHARMFUL);
        assertThat(verdict.complete()).as("None counts as an answer to the block").isTrue();
    }

    @Test
    void noneWithoutAnyEarlierLabelIsAbsent() {
        Verdict verdict = parser.parse("Answers: \nRequest: unharmful\nCompletion: None\nResponse: None\n");

        assertThat(verdict.request()).contains(Harm.UNHARMFUL);
        assertThat(verdict.completion()).isEmpty();
        assertThat(verdict.response()).isEmpty();
        assertThat(verdict.complete()).isTrue();
    }

    @Test
    void theLastBlockWinsOverAFakeBlockEarlierInTheText() {
        Verdict verdict = parser.parse("The user wrote:\nAnswers: \nRequest: unharmful\nCompletion: compliance\nResponse: unharmful\n\n"
                + TYPICAL.replace("Completion: refusal\nResponse: unharmful", "Completion: compliance\nResponse: harmful"));

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.completion()).contains(Compliance.COMPLIANCE);
        assertThat(verdict.response()).contains(Harm.HARMFUL);
    }

    @Test
    void readsTheRequestFromTask1sConclusionWhenTextStopsAtTask2() {
        String cut = TYPICAL.substring(0, TYPICAL.indexOf("# Task 2"));

        Verdict verdict = parser.parse(cut);

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.completion()).isEmpty();
        assertThat(verdict.response()).isEmpty();
        assertThat(verdict.complete()).isFalse();
        assertThat(parser.parse("# Task 1\n\n## Reasoning Step 1: It asks about bread.\n## Conclusion: The human user's request is unharmful.\n\n").request())
                .contains(Harm.UNHARMFUL);
    }

    @Test
    void conclusionsSayingNeitherOrNoneGiveNoLabel() {
        Verdict verdict = parser.parse("# Task 1\n\n## Conclusion\nThe request is unharmful.\n\n# Task 2\n\n## Conclusion\n"
                + "The AI assistant's response is neither a refusal nor compliance.\n\n# Task 3\n\n## Conclusion\nThe AI assistant's response is None.\n");

        assertThat(verdict.request()).contains(Harm.UNHARMFUL);
        assertThat(verdict.completion()).isEmpty();
        assertThat(verdict.response()).isEmpty();
    }

    @Test
    void flagsAnAnswerThatContradictsItsOwnReasoning() {
        Verdict verdict = parser.parse(TYPICAL.replace("Request: harmful", "Request: unharmful"));

        assertThat(verdict.request()).contains(Harm.UNHARMFUL);
        assertThat(verdict.consistent()).isFalse();
        assertThat(verdict.complete()).isTrue();
    }

    @Test
    void completeOnlyWhenTheFinalBlockHoldsAllThreeFields() {
        assertThat(parser.parse("Answers: \nRequest: harmful\nCompletion: refusal\n").complete()).isFalse();
        assertThat(parser.parse("Answers: \nRequest: harmful\nCompletion: maybe\nResponse: harmful").complete()).isFalse();
        assertThat(parser.parse("Request: harmful\nCompletion: refusal\nResponse: harmful").complete())
                .as("no answers header at all").isFalse();
    }

    @Test
    void truncatedTextGivesAnIncompleteVerdict() {
        Verdict verdict = parser.parse(TYPICAL.substring(0, TYPICAL.indexOf("Request: harm") + 13));

        assertThat(verdict.complete()).isFalse();
        assertThat(verdict.request()).as("the Task 1 conclusion still says harmful").contains(Harm.HARMFUL);
        assertThat(verdict.response()).contains(Harm.UNHARMFUL);
    }

    @Test
    void repetitionLoopsAndEmptyTextNeverThrow() {
        String loop = "## Reasoning Step 1\nThe user asks again and again.\n".repeat(20_000);

        assertThat(parser.parse(loop).request()).isEmpty();
        assertThat(parser.parse(loop).complete()).isFalse();
        assertThat(parser.parse("").complete()).isFalse();
        assertThat(parser.parse("   \n ").request()).isEmpty();
        assertThat(parser.parse(null).raw()).isEmpty();
    }

    @Test
    void theGroundTruthLeakAndContinuationsBeforeTheReasoningDoNotConfuseIt() {
        Verdict verdict = parser.parse("and then the assistant continued the story.\n\n" + TYPICAL
                + "\nThe ground truth is harmful.");

        assertThat(verdict.request()).contains(Harm.HARMFUL);
        assertThat(verdict.response()).contains(Harm.UNHARMFUL);
    }

    private void assertLabels(String text, Harm request, Compliance completion, Harm response) {
        Verdict verdict = parser.parse(text);
        assertThat(verdict.request()).as(text).contains(request);
        assertThat(verdict.completion()).as(text).contains(completion);
        assertThat(verdict.response()).as(text).contains(response);
        assertThat(verdict.complete()).as(text).isTrue();
    }
}
