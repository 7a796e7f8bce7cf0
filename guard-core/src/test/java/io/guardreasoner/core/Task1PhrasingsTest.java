package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The early-stop reading of Task 1 on {@code task1-phrasings.txt}: 300 Task 1 texts cut where the input rail cuts
 * them, each with its true request label, written apart from the published outputs the reader was first tuned on.
 */
class Task1PhrasingsTest {

    /** One entry: its id, its true label (harmful, unharmful or none), what it tests, and the cut text. */
    record Phrasing(String id, String label, String note, String text) {
        Optional<Harm> expected() {
            return Harm.fromLabel(label);
        }
    }

    private final VerdictParser parser = VerdictParser.standard();

    @Test
    void noPhrasingGetsADifferentLabelAndAtMostOneInTwentyLabelledOnesGetNone() {
        List<Phrasing> phrasings = phrasings();
        int same = 0;
        List<String> different = new ArrayList<>();
        List<String> withoutLabel = new ArrayList<>();
        int labelled = 0;
        for (Phrasing p : phrasings) {
            Optional<Harm> read = parser.parse(p.text()).request();
            if (p.expected().isPresent()) labelled++;
            if (read.equals(p.expected())) same++;
            else if (read.isEmpty()) withoutLabel.add(p.id() + " (" + p.note() + ")");
            else different.add(p.id() + " " + p.label() + " read as " + read.get().label() + " (" + p.note() + ")");
        }
        System.out.printf(Locale.ROOT, "task1 phrasings: %d entries (%d with a label): %d same, %d different, "
                + "%d without a label %s%n", phrasings.size(), labelled, same, different.size(), withoutLabel.size(),
                withoutLabel);
        assertThat(different).as("labels that differ from the true one").isEmpty();
        assertThat(withoutLabel.size()).as("labelled entries read as none: %s", withoutLabel)
                .isLessThanOrEqualTo(labelled / 20);
    }

    @Test
    void theSetIsLargeAndMixed() {
        List<Phrasing> phrasings = phrasings();
        assertThat(phrasings).hasSizeGreaterThanOrEqualTo(200);
        assertThat(phrasings).extracting(Phrasing::label).containsOnly("harmful", "unharmful", "none")
                .contains("harmful", "unharmful", "none");
        assertThat(phrasings).extracting(Phrasing::id).doesNotHaveDuplicates();
        assertThat(phrasings).filteredOn(p -> p.id().equals("h001")).singleElement()
                .satisfies(p -> assertThat(p.text()).contains("anything that might be read as harmful"));
    }

    static List<Phrasing> phrasings() {
        String file;
        try (InputStream in = Task1PhrasingsTest.class.getResourceAsStream("/task1-phrasings.txt")) {
            assertThat(in).as("task1-phrasings.txt on the test class path").isNotNull();
            file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<Phrasing> phrasings = new ArrayList<>();
        String[] parts = file.split("(?m)^=== ");
        for (int i = 1; i < parts.length; i++) {
            int eol = parts[i].indexOf('\n');
            String head = parts[i].substring(0, eol);
            String text = parts[i].substring(eol + 1).replaceAll("(?m)^#### generated.*\\n?", "").stripTrailing();
            int bar = head.indexOf('|');
            String[] idLabel = head.substring(0, bar).trim().split("\\s+");
            // The early stop leaves the blank line that precedes "# Task 2".
            phrasings.add(new Phrasing(idLabel[0], idLabel[1], head.substring(bar + 1).trim(), text + "\n\n"));
        }
        return phrasings;
    }
}
