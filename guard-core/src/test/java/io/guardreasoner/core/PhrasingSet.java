package io.guardreasoner.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A phrasing set on the test class path ({@code task2-phrasings.txt}, {@code task3-phrasings.txt}): entries of the form
 * {@code === <id> <label> | <note>} followed by their text, comments before the first entry, and a generated part after
 * a {@code #### generated} line.
 */
final class PhrasingSet {

    /** One entry: its id, its true label (a label word or {@code none}), what it tests, and its text as written. */
    record Entry(String id, String label, String note, String text) {
        boolean labelled() {
            return !label.equals("none");
        }
    }

    private PhrasingSet() {
    }

    static List<Entry> read(String resource) {
        String file;
        try (InputStream in = PhrasingSet.class.getResourceAsStream("/" + resource)) {
            assertThat(in).as(resource + " on the test class path").isNotNull();
            file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<Entry> entries = new ArrayList<>();
        String[] parts = file.split("(?m)^=== ");
        for (int i = 1; i < parts.length; i++) {
            int eol = parts[i].indexOf('\n');
            String head = parts[i].substring(0, eol);
            String text = parts[i].substring(eol + 1).replaceAll("(?m)^#### generated.*\\n?", "").stripTrailing();
            int bar = head.indexOf('|');
            String[] idLabel = head.substring(0, bar).trim().split("\\s+");
            entries.add(new Entry(idLabel[0], idLabel[1], head.substring(bar + 1).trim(), text + "\n"));
        }
        return entries;
    }
}
