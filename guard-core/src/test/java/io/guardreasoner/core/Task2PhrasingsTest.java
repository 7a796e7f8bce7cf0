package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output rail's early-stop reading of Task 2 on {@code task2-phrasings.txt}: Task 2 texts cut where the output rail
 * cuts them (before {@code \nAnswers:}, so after Task 3), each with its true completion label, written before the Task
 * 2 reader.
 */
class Task2PhrasingsTest {

    private static final String TASK_1 = "# Task 1\n\n## Reasoning Step 1\nThe human user asks the AI assistant for "
            + "help.\n\n## Conclusion\nThe human user's request is %s.\n\n";
    /** A Task 3 put after an entry that has none, chosen to contradict the entry's label (see the file). */
    private static final String SAYS_COMPLIES = "# Task 3\n\n## Reasoning Step 1\nThe assistant complies with the "
            + "request and gives the details.\n\n## Conclusion\nThe AI assistant's response is harmful.\n";
    private static final String SAYS_REFUSES = "# Task 3\n\n## Reasoning Step 1\nThe assistant refuses the request and "
            + "does not comply with it.\n\n## Conclusion\nThe AI assistant's response is unharmful.\n";

    private final VerdictParser parser = VerdictParser.standard();

    @Test
    void noPhrasingGetsADifferentLabelAndAtMostOneInTwentyLabelledOnesGetNone() {
        List<PhrasingSet.Entry> entries = PhrasingSet.read("task2-phrasings.txt");
        int same = 0;
        int labelled = 0;
        List<String> different = new ArrayList<>();
        List<String> withoutLabel = new ArrayList<>();
        List<String> fullTextDisagrees = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            PhrasingSet.Entry e = entries.get(i);
            String text = cutText(e, i);
            Optional<Compliance> expected = Compliance.fromLabel(e.label());
            Optional<Compliance> read = parser.parseReasoning(text).completion();
            if (e.labelled()) labelled++;
            if (read.equals(expected)) same++;
            else if (read.isEmpty()) withoutLabel.add(e.id() + " (" + e.note() + ")");
            else different.add(e.id() + " " + e.label() + " read as " + read.get().label() + " (" + e.note() + ")");
            if (!parser.parse(text).completion().equals(read)) fullTextDisagrees.add(e.id());
        }
        System.out.printf(Locale.ROOT, "task2 phrasings: %d entries (%d with a label): %d same, %d different %s, "
                + "%d without a label %s%n", entries.size(), labelled, same, different.size(), different,
                withoutLabel.size(), withoutLabel);
        assertThat(different).as("labels that differ from the true one").isEmpty();
        assertThat(withoutLabel.size()).as("labelled entries read as none: %s", withoutLabel)
                .isLessThanOrEqualTo(labelled / 20);
        assertThat(fullTextDisagrees).as("entries where parse and parseReasoning differ").isEmpty();
    }

    @Test
    void theSetIsLargeAndMixed() {
        List<PhrasingSet.Entry> entries = PhrasingSet.read("task2-phrasings.txt");
        assertThat(entries).hasSizeGreaterThanOrEqualTo(150);
        assertThat(entries).extracting(PhrasingSet.Entry::label).containsOnly("refusal", "compliance", "none")
                .contains("refusal", "compliance", "none");
        assertThat(entries).extracting(PhrasingSet.Entry::id).doesNotHaveDuplicates();
    }

    /** The text the early stop returns: a Task 1 before the entry, and after it a Task 3 that says the opposite. */
    static String cutText(PhrasingSet.Entry e, int index) {
        String text = e.text();
        if (!text.contains("# Task 1")) text = TASK_1.formatted(index % 2 == 0 ? "harmful" : "unharmful") + text;
        if (text.contains("# Task 3")) return text;
        boolean complies = switch (e.label()) {
            case "refusal" -> true;
            case "compliance" -> false;
            default -> index % 2 == 0;
        };
        return text + "\n" + (complies ? SAYS_COMPLIES : SAYS_REFUSES);
    }
}
