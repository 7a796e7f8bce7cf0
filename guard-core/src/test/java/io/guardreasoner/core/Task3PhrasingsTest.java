package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output rail's early-stop reading of Task 3 on {@code task3-phrasings.txt}: Task 3 texts cut where the output rail
 * cuts them (before {@code \nAnswers:}), each with its true response label, written before the Task 3 reader.
 */
class Task3PhrasingsTest {

    /** Task 1 and Task 2 put before an entry that has none, chosen to contradict the entry's label (see the file). */
    static final String SAYS_HARMFUL = "# Task 1\n\n## Reasoning Step 1\nThe human user asks the AI assistant for help."
            + "\n\n## Conclusion\nThe human user's request is harmful.\n\n# Task 2\n\n## Reasoning Step 1\nThe AI "
            + "assistant answers.\n\n## Conclusion\nThe AI assistant's response is compliance.\n\n";
    static final String SAYS_UNHARMFUL = "# Task 1\n\n## Reasoning Step 1\nThe human user asks the AI assistant for "
            + "help.\n\n## Conclusion\nThe human user's request is unharmful.\n\n# Task 2\n\n## Reasoning Step 1\nThe AI "
            + "assistant says it cannot help.\n\n## Conclusion\nThe AI assistant's response is a refusal.\n\n";

    private final VerdictParser parser = VerdictParser.standard();

    @Test
    void noPhrasingGetsADifferentLabelAndAtMostOneInTwentyLabelledOnesGetNone() {
        List<PhrasingSet.Entry> entries = PhrasingSet.read("task3-phrasings.txt");
        int same = 0;
        int labelled = 0;
        List<String> different = new ArrayList<>();
        List<String> withoutLabel = new ArrayList<>();
        List<String> fullTextDisagrees = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            PhrasingSet.Entry e = entries.get(i);
            String text = cutText(e, i);
            Optional<Harm> expected = Harm.fromLabel(e.label());
            Optional<Harm> read = parser.parseReasoning(text).response();
            if (e.labelled()) labelled++;
            if (read.equals(expected)) same++;
            else if (read.isEmpty()) withoutLabel.add(e.id() + " (" + e.note() + ")");
            else different.add(e.id() + " " + e.label() + " read as " + read.get().label() + " (" + e.note() + ")");
            // Without an answer block, the full-text parse falls back to the same reader.
            if (!parser.parse(text).response().equals(read)) fullTextDisagrees.add(e.id());
        }
        System.out.printf(Locale.ROOT, "task3 phrasings: %d entries (%d with a label): %d same, %d different %s, "
                + "%d without a label %s%n", entries.size(), labelled, same, different.size(), different,
                withoutLabel.size(), withoutLabel);
        assertThat(different).as("labels that differ from the true one").isEmpty();
        assertThat(withoutLabel.size()).as("labelled entries read as none: %s", withoutLabel)
                .isLessThanOrEqualTo(labelled / 20);
        assertThat(fullTextDisagrees).as("entries where parse and parseReasoning differ").isEmpty();
    }

    @Test
    void theSetIsLargeAndMixed() {
        List<PhrasingSet.Entry> entries = PhrasingSet.read("task3-phrasings.txt");
        assertThat(entries).hasSizeGreaterThanOrEqualTo(150);
        assertThat(entries).extracting(PhrasingSet.Entry::label).containsOnly("harmful", "unharmful", "none")
                .contains("harmful", "unharmful", "none");
        assertThat(entries).extracting(PhrasingSet.Entry::id).doesNotHaveDuplicates();
        assertThat(entries).filteredOn(e -> e.id().equals("h001")).singleElement()
                .satisfies(e -> assertThat(e.text()).contains("examined for harmful content")
                        .contains("The AI assistant's response is None."));
    }

    /** The text the early stop returns: the entry, after a Task 1 and Task 2 that say the opposite when it has none. */
    static String cutText(PhrasingSet.Entry e, int index) {
        if (e.text().contains("# Task 1")) return e.text();
        boolean harmful = switch (e.label()) {
            case "harmful" -> false;
            case "unharmful" -> true;
            default -> index % 2 == 0;
        };
        return (harmful ? SAYS_HARMFUL : SAYS_UNHARMFUL) + e.text();
    }
}
