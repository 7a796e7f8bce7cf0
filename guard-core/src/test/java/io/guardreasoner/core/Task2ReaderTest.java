package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of the Task 2 reader (the completion label, refusal or compliance, from a text the output rail cut before
 * its answer block), one behaviour each. The breadth is in {@link Task2PhrasingsTest} (200 texts) and
 * {@link PublishedOutputsTest} (the 3B outputs cut before {@code Answers:}).
 */
class Task2ReaderTest {

    private static final String TASK_1 = "# Task 1\n\n## Conclusion\nThe human user's request is harmful.\n\n";
    private static final String STEP_1 = "# Task 2\n\n## Reasoning Step 1\nThe AI assistant replies to the user.\n\n";
    /** A Task 3 that says the assistant "complies": a reader that reads the wrong task gives a wrong label. */
    private static final String TASK_3 = "\n# Task 3\n\n## Reasoning Step 1\nThe assistant complies with the request.\n\n"
            + "## Conclusion\nThe AI assistant's response is harmful.\n";

    @Test
    void nounsAndVerbsOfTheAssistantAreLabels() {
        assertThat(lastStep("The AI assistant's response is a clear refusal to comply with the harmful request."))
                .contains(Compliance.REFUSAL);
        assertThat(lastStep("The AI assistant declines to provide the requested information.")).contains(Compliance.REFUSAL);
        assertThat(lastStep("The assistant rejects the request.")).contains(Compliance.REFUSAL);
        assertThat(lastStep("The assistant refuses to comply with the request.")).contains(Compliance.REFUSAL);
        assertThat(lastStep("The AI assistant complies with the user's request by providing the poem."))
                .contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The AI assistant is complying with the user's request.")).contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The response includes specific steps, which indicates compliance with the user's request."))
                .contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The assistant explicitly says it cannot help, indicating a refusal to comply."))
                .contains(Compliance.REFUSAL);
        assertThat(lastStep("The assistant does not answer, instead explaining its refusal to comply with the request."))
                .contains(Compliance.REFUSAL);
        assertThat(lastStep("Compliance is evident as the assistant engages with the request."))
                .contains(Compliance.COMPLIANCE);
    }

    @Test
    void aNegatedRefusalIsComplianceAndANegatedActOfComplyingIsARefusal() {
        assertThat(lastStep("The response does not refuse the request; instead, it complies by providing the requested "
                + "information.")).contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The response is not a refusal.")).contains(Compliance.COMPLIANCE);
        assertThat(lastStep("Instead of refusing, the assistant provides the requested code.")).contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The assistant does not refuse, warn, or redirect; it simply answers the question."))
                .contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The assistant does not refuse any part of the request and fully complies."))
                .contains(Compliance.COMPLIANCE);
        assertThat(lastStep("The assistant does not comply with the request.")).contains(Compliance.REFUSAL);
        assertThat(lastStep("Rather than complying, the assistant offers information about safer options."))
                .contains(Compliance.REFUSAL);
        assertThat(lastStep("The assistant neither complies with the request nor provides any of the details."))
                .contains(Compliance.REFUSAL);
        assertThat(lastStep("The response is not compliance, as it does not help with the request."))
                .contains(Compliance.REFUSAL);
    }

    @Test
    void notComplianceOfAnUnnamedSubjectGivesNoLabel() {
        // GuardReasoner writes it of a missing response, where its answer is None.
        assertThat(lastStep("This is not compliance.")).isEmpty();
        assertThat(lastStep("It cannot be considered compliance.")).isEmpty();
        assertThat(lastStep("The response is neither a refusal nor compliance.")).isEmpty();
    }

    @Test
    void aPartialRefusalGivesNoLabelEvenAfterBut() {
        assertThat(lastStep("The response could be seen as a partial refusal.")).isEmpty();
        assertThat(lastStep("The assistant does not fully comply with the request.")).isEmpty();
        assertThat(lastStep("The assistant refuses to name the poison but complies with the rest of the request."))
                .isEmpty();
        assertThat(lastStep("The response is both a refusal and compliance.")).isEmpty();
        assertThat(lastStep("The response is a form of compliance in terms of engaging with the topic, but it does not "
                + "comply with the harmful request.")).isEmpty();
        assertThat(lastStep("The assistant begins by stating it cannot help, indicating an initial refusal.")).isEmpty();
        assertThat(lastStep("The response is compliance because it provides the information to some extent.")).isEmpty();
    }

    @Test
    void hedgesAndQuestionsGiveNoLabel() {
        assertThat(lastStep("It is unclear whether the response is a refusal or compliance.")).isEmpty();
        assertThat(lastStep("The response might be a refusal.")).isEmpty();
        assertThat(lastStep("Is this a refusal?")).isEmpty();
        assertThat(lastStep("The response could be considered compliance if the user only wanted general information."))
                .isEmpty();
        assertThat(read("# Task 2\n\n## Reasoning Step 1: Analyze the AI assistant's response.\nThe assistant writes two "
                + "paragraphs.\n\n## Reasoning Step 2: Determine if the response is a refusal or compliance.\n")).isEmpty();
    }

    @Test
    void otherSensesOfTheWordsAndWhatOthersWantSayNothing() {
        assertThat(read(STEP_1 + "## Reasoning Step 2\nThe AI assistant refuses to help with tax evasion.\n\n"
                + "## Reasoning Step 3\nThe assistant stresses compliance with tax laws.\n")).contains(Compliance.REFUSAL);
        assertThat(read(STEP_1 + "## Reasoning Step 2\nThe user wants the assistant to comply with a request to write "
                + "ransomware.\n\n## Reasoning Step 3\nThe assistant refuses.\n")).contains(Compliance.REFUSAL);
        assertThat(lastStep("The user wants the assistant to comply.")).isEmpty();
        assertThat(lastStep("The assistant explains how to refuse a party invitation politely.")).isEmpty();
        assertThat(lastStep("The assistant should have refused.")).isEmpty();
    }

    @Test
    void aMissingResponseGivesNoLabel() {
        assertThat(read("# Task 2\n\n## Reasoning Step 1\nThe AI assistant's response is \"None,\" indicating that there "
                + "is no response.\n\n## Reasoning Step 2\nA lack of response can be interpreted as a refusal to comply "
                + "with the request.\n")).isEmpty();
        assertThat(read("# Task 2\n\n## Reasoning Step 1\nThe AI assistant's response was examined for refusal or "
                + "compliance.\n\n## Conclusion\nThe AI assistant's response is None.\n")).isEmpty();
    }

    @Test
    void everyConclusionStyleIsRead() {
        assertThat(read(STEP_1 + "## Conclusion\nThe AI assistant's response is a refusal.\n")).contains(Compliance.REFUSAL);
        assertThat(read(STEP_1 + "## Conclusion for Task 2: The response is compliance.\n"))
                .contains(Compliance.COMPLIANCE);
        assertThat(read(STEP_1 + "# Task 2 Conclusion: refusal\n")).contains(Compliance.REFUSAL);
        assertThat(read(STEP_1 + "# Task 2 Conclusion\nCompletion: compliance\n")).contains(Compliance.COMPLIANCE);
        assertThat(read("# Task 2\n\n## Reasoning Step 1: The assistant answers.\n\n# Task 2: compliance\n"))
                .contains(Compliance.COMPLIANCE);
        assertThat(read(STEP_1 + "## Conclusion\nThe AI assistant's response is compliance.\n\nThe letter is short.\n"))
                .contains(Compliance.COMPLIANCE);
    }

    @Test
    void readsPathologicalTextQuickly() {
        String[] inputs = {
            "# Task 2\n\n" + "The assistant does not refuse, no, never complies, which is a refusal, but, however, ".repeat(20_000),
            "# Task 2\n\n" + ("the assistant does not refuse, warn, or redirect and fully complies, instead of refusing "
                    + "it complies with the law. ").repeat(20_000),
            "# Task 2\n\n" + "## Reasoning Step 1: refusal, compliance, refuses, complies, None.\n".repeat(20_000),
            "# Task 2\n\n" + "(\"".repeat(100_000) + " refusal",
            "# Task 2\n\n" + "Completion: refusal\n# Task 2 Conclusion\n".repeat(20_000),
        };
        long start = System.nanoTime();
        for (String input : inputs) read(input);
        long millis = (System.nanoTime() - start) / 1_000_000;
        // Not a timing test: a bound this loose only catches a regex that went quadratic.
        assertThat(millis).isLessThan(5_000);
    }

    private static Optional<Compliance> lastStep(String sentence) {
        return read(STEP_1 + "## Reasoning Step 2\n" + sentence + "\n");
    }

    /** The completion label of a Task 2 between a Task 1 and {@link #TASK_3}, read as the output rail's early stop. */
    private static Optional<Compliance> read(String task2) {
        return VerdictParser.standard().parseReasoning(TASK_1 + task2 + TASK_3).completion();
    }
}
