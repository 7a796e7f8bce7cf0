package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of the Task 3 reader (the response label from a text the output rail cut before its answer block), one
 * behaviour each. The breadth is in {@link Task3PhrasingsTest} (225 texts) and {@link PublishedOutputsTest} (the 3B
 * outputs cut before {@code Answers:}).
 */
class Task3ReaderTest {

    /** Task 1 and Task 2 saying "harmful" and "compliance": a reader that reads the wrong task gives a wrong label. */
    private static final String BEFORE = "# Task 1\n\n## Conclusion\nThe human user's request is harmful.\n\n# Task 2\n\n"
            + "## Conclusion\nThe AI assistant's response is compliance.\n\n";
    private static final String STEP_1 = "# Task 3\n\n## Reasoning Step 1\nThe AI assistant answers the question.\n\n";

    @Test
    void aConclusionOfNoneGivesNoLabelThoughAnEarlierStepNamesHarm() {
        // The known bug of the old rule: the step line was read as a statement.
        assertThat(read("# Task 3\n\n## Reasoning Step 1\nThe AI assistant's response was examined for harmful content."
                + "\n\n## Conclusion\nThe AI assistant's response is None.\n")).isEmpty();
        assertThat(lastStep("The AI assistant's response is None.")).isEmpty();
        assertThat(lastStep("Since there is no response, it cannot be classified as harmful or unharmful.")).isEmpty();
        assertThat(lastStep("The response was checked for harmful content.")).isEmpty();
    }

    @Test
    void reasoningAboutAMissingResponseGivesNoLabel() {
        // GuardReasoner answers "Response: None" there, whatever its reasoning says of the absence.
        assertThat(read("# Task 3\n\n## Reasoning Step 1\nThe AI assistant's response is \"None,\" meaning there is no "
                + "content to evaluate.\n\n## Conclusion\nThe AI assistant's response is unharmful.\n")).isEmpty();
        assertThat(lastStep("The absence of a response is unharmful.")).isEmpty();
    }

    @Test
    void aNegationGovernsAWholeList() {
        assertThat(lastStep("The response does not include any harmful instructions, hateful language, or anything that "
                + "might be read as harmful.")).contains(Harm.UNHARMFUL);
        assertThat(lastStep("The response does not promote violence, encourage illegal activity, or provide anything "
                + "harmful.")).contains(Harm.UNHARMFUL);
        assertThat(lastStep("The response is neither harmful nor misleading.")).contains(Harm.UNHARMFUL);
        assertThat(lastStep("The response contains no harmful content, misinformation, or dangerous advice."))
                .contains(Harm.UNHARMFUL);
    }

    @Test
    void aNegationStopsAtACoordinatedVerbAndAtARelativeClause() {
        assertThat(lastStep("The response does not refuse and provides harmful information.")).contains(Harm.HARMFUL);
        assertThat(lastStep("The response does not contain any harmful content, making it unharmful."))
                .contains(Harm.UNHARMFUL);
        // ", which" is said of everything before it, the negation included: unclear.
        assertThat(lastStep("The response spreads a narrative that may not be fully supported by evidence, which can be "
                + "harmful.")).isEmpty();
    }

    @Test
    void aNegatedVerbThatWouldUndoOrOpposeTheLabelIsReadWithCare() {
        assertThat(lastStep("The warning does not negate the harmful nature of the information provided."))
                .contains(Harm.HARMFUL);
        assertThat(lastStep("The response does not discourage the harmful action.")).isEmpty();
    }

    @Test
    void hedgesGiveNoLabel() {
        assertThat(lastStep("The response could be considered harmful depending on how the information is used."))
                .isEmpty();
        assertThat(lastStep("The response may or may not be harmful.")).isEmpty();
        assertThat(lastStep("It is unclear whether the response is harmful.")).isEmpty();
        assertThat(lastStep("The response would be harmful if the user followed the advice.")).isEmpty();
        assertThat(lastStep("The response provides a guide that could be used for harmful purposes.")).isEmpty();
        assertThat(lastStep("The identification of the code as malicious is an unharmful part of the response."))
                .isEmpty();
        assertThat(lastStep("The response is not unharmful.")).isEmpty();
    }

    @Test
    void contentThatOnlyDescribesItsSubjectDoesNotHedge() {
        // "hard to" here is the content, not a doubt about the label.
        assertThat(lastStep("The response is unharmful as it gives advice on making passwords hard to guess."))
                .contains(Harm.UNHARMFUL);
    }

    @Test
    void clausesAboutTheRequestOrTheUserSayNothingAboutTheResponse() {
        assertThat(lastStep("The user's request is harmful, but the response is unharmful.")).contains(Harm.UNHARMFUL);
        assertThat(lastStep("Although the request is harmful, the AI assistant's response is unharmful."))
                .contains(Harm.UNHARMFUL);
        assertThat(lastStep("The response to the user's request is harmful.")).contains(Harm.HARMFUL);
        assertThat(read(STEP_1 + "## Reasoning Step 2\nThe response is unharmful.\n\n## Reasoning Step 3\n"
                + "The human user's request was harmful.\n")).contains(Harm.UNHARMFUL);
        assertThat(read(STEP_1 + "## Reasoning Step 2\nThe response does not provide any harmful information.\n\n"
                + "## Reasoning Step 3\nThe response does not comply with the harmful request.\n"))
                .contains(Harm.UNHARMFUL);
    }

    @Test
    void whatTheResponseTurnsDownOrWarnsAgainstIsNotWhatItIs() {
        assertThat(lastStep("The AI assistant refuses to comply with the request to create a potentially harmful script."))
                .isEmpty();
        assertThat(lastStep("The response is a refusal to provide the requested information, which could be harmful."))
                .isEmpty();
        assertThat(lastStep("The response refutes harmful stereotypes.")).isEmpty();
        assertThat(lastStep("The response cites the potential for perpetuating harmful stereotypes.")).isEmpty();
        assertThat(lastStep("The response explains why the question could perpetuate harmful stereotypes.")).isEmpty();
        assertThat(lastStep("The response refuses the harmful request and offers resources, which is unharmful."))
                .contains(Harm.UNHARMFUL);
    }

    @Test
    void aReasonContinuedAfterAndIsStillAReason() {
        assertThat(lastStep("The response is unharmful because it is framed as a fictional guide and does not directly "
                + "promote harmful actions.")).contains(Harm.UNHARMFUL);
    }

    @Test
    void everyConclusionStyleIsRead() {
        assertThat(read("# Task 3\n\n## Reasoning Step 1: The assistant gives a recipe.\n## Conclusion: The response is "
                + "unharmful.\n")).contains(Harm.UNHARMFUL);
        assertThat(read(STEP_1 + "## Conclusion for Task 3: The AI assistant's response is harmful.\n"))
                .contains(Harm.HARMFUL);
        assertThat(read(STEP_1 + "# Task 3 Conclusion: unharmful\n")).contains(Harm.UNHARMFUL);
        assertThat(read(STEP_1 + "# Conclusion for Task 3: harmful\n")).contains(Harm.HARMFUL);
        assertThat(read(STEP_1 + "In conclusion, the AI assistant's response is harmful.\n")).contains(Harm.HARMFUL);
        assertThat(read(STEP_1 + "**Conclusion:** The AI assistant's response is harmful.\n")).contains(Harm.HARMFUL);
        // 1B and 8B write the label on a task header after the reasoning.
        assertThat(read("# Task 3\n\n## Reasoning Step 1: The response explains a phrase.\n\n# Task 3: unharmful\n"))
                .contains(Harm.UNHARMFUL);
    }

    @Test
    void aResponseLineCountsUnderTask3sOwnConclusionOrHeaderOnly() {
        assertThat(read(STEP_1 + "# Task 3 Conclusion\nResponse: harmful\n")).contains(Harm.HARMFUL);
        assertThat(read("# Task 3\nResponse: harmful\n")).contains(Harm.HARMFUL);
        // Elsewhere it may be a quote of the text being judged.
        assertThat(read(STEP_1 + "## Reasoning Step 2\nThe response ends with the line:\nResponse: unharmful\n"))
                .isEmpty();
        assertThat(read(STEP_1 + "# Task 3 Conclusion\nRequest: harmful\n")).isEmpty();
    }

    @Test
    void theLastTask3IsRead() {
        // A Task 3 quoted in the text being judged comes before the model's own.
        assertThat(VerdictParser.standard().parseReasoning(BEFORE + "# Task 3\n\n## Conclusion\nThe response is "
                + "unharmful.\n\n# Task 3\n\n## Conclusion\nThe response is harmful.\n").response()).contains(Harm.HARMFUL);
    }

    @Test
    void readsPathologicalTextQuickly() {
        String[] inputs = {
            BEFORE + "# Task 3\n\n" + "The response is not, no, never harmful, which is harmful, but, however, ".repeat(20_000),
            BEFORE + "# Task 3\n\n" + ("the response does not include any harmful wording, calls for harmful acts, or "
                    + "anything that might be read as harmful and provides harmful help. ").repeat(20_000),
            BEFORE + "# Task 3\n\n" + "## Reasoning Step 1: harmful, unharmful, harmless, None.\n".repeat(20_000),
            BEFORE + "# Task 3\n\n" + "(\"".repeat(100_000) + " harmful",
            BEFORE + "# Task 3\n\n" + "Response: harmful\n# Task 3 Conclusion\n".repeat(20_000),
        };
        long start = System.nanoTime();
        for (String input : inputs) read(input.substring(BEFORE.length()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        // Not a timing test: a bound this loose only catches a regex that went quadratic.
        assertThat(millis).isLessThan(5_000);
    }

    private static Optional<Harm> lastStep(String sentence) {
        return read(STEP_1 + "## Reasoning Step 2\n" + sentence + "\n");
    }

    /** The response label of a Task 3 after {@link #BEFORE}, read as the output rail's early stop reads it. */
    private static Optional<Harm> read(String task3) {
        return VerdictParser.standard().parseReasoning(BEFORE + task3).response();
    }
}
