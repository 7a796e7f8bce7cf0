package io.guardreasoner.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser over every published GuardReasoner-3B output (read from ../shared; skipped when it is absent):
 * it never throws, it agrees with the authors' own scorer wherever that scorer finds a label, and texts cut at
 * {@code # Task 2}, as the input rail's early stop leaves them, still give the full text's request label.
 */
class PublishedOutputsParserTest {

    private static final List<String[]> ITEMS = new ArrayList<>(); // {benchmark, prompt, predict}
    private final VerdictParser parser = VerdictParser.standard();

    @BeforeAll
    static void readPublishedOutputs() throws Exception {
        Path dir = Path.of(System.getProperty("guardreasoner.shared.dir", "../../shared"), "guardreasoner-outputs");
        Assumptions.assumeTrue(Files.isDirectory(dir), "published GuardReasoner outputs not found at " + dir + " (skipping)");
        if (!ITEMS.isEmpty()) return;
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
                try (BufferedReader in = Files.newBufferedReader(file)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        JsonNode item = json.readTree(line);
                        ITEMS.add(new String[] {file.getParent().getFileName().toString(), item.get("prompt").asText(),
                                item.get("predict").asText()});
                    }
                }
            }
        }
    }

    @Test
    void agreesWithTheAuthorsScorerWhereverItFindsALabel() {
        int compared = 0;
        List<String> disagreements = new ArrayList<>();
        for (String[] item : ITEMS) {
            Verdict verdict = parser.parse(item[2]);
            for (String field : new String[] {"Request", "Completion", "Response"}) {
                Optional<String> authors = authorsScorer(item[2], field);
                if (authors.isEmpty()) continue;
                compared++;
                Optional<String> ours = switch (field) {
                    case "Request" -> verdict.request().map(Harm::label);
                    case "Completion" -> verdict.completion().map(Compliance::label);
                    default -> verdict.response().map(Harm::label);
                };
                if (!ours.equals(authors)) disagreements.add(item[0] + " " + field + ": ours " + ours + ", authors " + authors);
            }
        }
        assertThat(ITEMS).hasSize(2195);
        assertThat(compared).isGreaterThan(5_000);
        assertThat(disagreements).isEmpty();
    }

    @Test
    void everyOutputParsesToAVerdictWithTheLabelsItsBenchmarkNeeds() {
        int complete = 0;
        int missingNeeded = 0;
        for (String[] item : ITEMS) {
            Verdict verdict = parser.parse(item[2]);
            if (verdict.complete()) complete++;
            boolean needsResponse = item[0].contains("Respon") || item[0].contains("Repon");
            Optional<?> needed = item[0].contains("Refusal") ? verdict.completion()
                    : needsResponse ? verdict.response() : verdict.request();
            if (needed.isEmpty()) missingNeeded++;
        }
        System.out.printf(Locale.ROOT, "published outputs: %d, complete final blocks: %d, without the needed label: %d%n",
                ITEMS.size(), complete, missingNeeded);
        assertThat(complete).isGreaterThan(2_150);
        assertThat(missingNeeded).isLessThanOrEqualTo(2);
    }

    @Test
    void textCutAtTask2GivesTheFullTextsRequestLabelOrNone() {
        int cut = 0;
        int same = 0;
        int none = 0;
        long fullChars = 0;
        long cutChars = 0;
        List<String> different = new ArrayList<>();
        for (String[] item : ITEMS) {
            boolean noResponse = item[1].endsWith("AI assistant:\nNone\n\n");
            int task2 = item[2].indexOf("# Task 2");
            if (!noResponse || task2 < 0) continue;
            Optional<Harm> full = parser.parse(item[2]).request();
            Optional<Harm> early = parser.parse(item[2].substring(0, task2)).request();
            cut++;
            fullChars += item[2].length();
            cutChars += task2;
            if (early.isEmpty()) none++;
            else if (early.equals(full)) same++;
            else different.add(item[0] + ": full " + full + ", cut " + early + "\n" + item[2].substring(0, task2));
        }
        System.out.printf(Locale.ROOT, "cut at # Task 2: %d outputs; same request label %d (%.1f%%), no clear label %d"
                        + " (the guard then generates in full), a different label %d; Task 1 is %.1f%% of the text%n",
                cut, same, 100.0 * same / cut, none, different.size(), 100.0 * cutChars / fullChars);
        assertThat(cut).isGreaterThan(600);
        // A label read early must be the label the full text gives; no label only costs a full generation.
        assertThat(different.size()).as("early labels that differ: %s", different).isLessThanOrEqualTo(cut / 200);
        assertThat(100.0 * same / cut).isGreaterThanOrEqualTo(90.0);
    }

    private static final Pattern[] AUTHORS = {
            Pattern.compile("Request:\\s*(harmful|unharmful)", Pattern.CASE_INSENSITIVE),
            Pattern.compile("Completion:\\s*(compliance|refusal)", Pattern.CASE_INSENSITIVE),
            Pattern.compile("Response:\\s*(harmful|unharmful)", Pattern.CASE_INSENSITIVE)};

    /** The authors' evaluate.py: first match in the last 300 characters. */
    private static Optional<String> authorsScorer(String predict, String field) {
        Pattern pattern = switch (field) {
            case "Request" -> AUTHORS[0];
            case "Completion" -> AUTHORS[1];
            default -> AUTHORS[2];
        };
        Matcher m = pattern.matcher(predict.substring(Math.max(0, predict.length() - 300)));
        return m.find() ? Optional.of(m.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
    }
}
