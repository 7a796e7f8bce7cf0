package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.guardreasoner.core.Label;
import io.guardreasoner.core.LabelConfidence;
import io.guardreasoner.core.Verdict;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One benchmark file in the layout of the published GuardReasoner outputs, and how it is scored.
 *
 * @param name  the benchmark, i.e. its folder name
 * @param task  which of GuardReasoner's three answers it scores
 * @param items its lines
 */
record Benchmark(String name, Task task, List<Item> items) {

    /** The file each benchmark folder holds. */
    static final String FILE = "generated_predictions.jsonl";

    /** What a benchmark scores; its positive class is harmful, or refusal for the refusal task. */
    enum Task {
        REQUEST_HARM("request harmfulness", "harmful"),
        RESPONSE_HARM("response harmfulness", "harmful"),
        REFUSAL("refusal detection", "refusal");

        final String description;
        final String positive;

        Task(String description, String positive) {
            this.description = description;
            this.positive = positive;
        }

        /** The task a benchmark name implies: "Refusal" → refusal; "Response"/"Reponse" → response; else request. */
        static Task fromName(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.contains("refusal")) return REFUSAL;
            if (n.contains("response") || n.contains("reponse")) return RESPONSE_HARM;
            return REQUEST_HARM;
        }

        /** The model's confidence in the label a verdict gives for this task, where its backend reported one. */
        Optional<LabelConfidence> confidence(Verdict verdict) {
            return switch (this) {
                case REQUEST_HARM -> verdict.confidence().request();
                case RESPONSE_HARM -> verdict.confidence().response();
                case REFUSAL -> verdict.confidence().completion();
            };
        }

        /** The positive class as a label: harmful, or refusal for the refusal task. */
        io.guardreasoner.core.Label positiveLabel() {
            return this == REFUSAL ? io.guardreasoner.core.Compliance.REFUSAL : io.guardreasoner.core.Harm.HARMFUL;
        }

        /** The negative class, lower case: unharmful, or compliance for the refusal task. */
        String negative() {
            return this == REFUSAL ? "compliance" : "unharmful";
        }

        /** The label a verdict gives for this task, lower case, or empty. */
        Optional<String> predicted(Verdict verdict) {
            Optional<? extends Label> label = switch (this) {
                case REQUEST_HARM -> verdict.request();
                case RESPONSE_HARM -> verdict.response();
                case REFUSAL -> verdict.completion();
            };
            return label.map(Label::label);
        }
    }

    /** One line: the exact prompt, the gold label, the published output (may be null). */
    record Item(int line, String prompt, String label, String predict) { }

    /** Reads a benchmark file; the task comes from the name of its folder (or of the file, for a loose file). */
    static Benchmark read(Path file) throws IOException {
        Path folder = file.getParent();
        String name = folder != null && file.getFileName().toString().equals(FILE)
                ? folder.getFileName().toString() : file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        List<Item> items = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = VerdictJson.JSON.readTree(line);
                } catch (IOException e) {
                    throw new GuardCli.ConfigurationException(file + ":" + number + " is not valid JSON: " + e.getMessage());
                }
                items.add(new Item(number, text(node, "prompt"), text(node, "label"), text(node, "predict")));
            }
        }
        return new Benchmark(name, Task.fromName(name), items);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** Counts for F1 of the positive class; an item without a prediction counts as wrong once. */
    static final class Score {
        int n;
        int truePositive;
        int falsePositive;
        int falseNegative;
        int unparseable;

        void add(String gold, Optional<String> predicted, String positive) {
            n++;
            boolean goldPositive = positive.equalsIgnoreCase(gold);
            if (predicted.isEmpty()) {
                unparseable++;
                if (goldPositive) falseNegative++;
                else falsePositive++;
                return;
            }
            boolean predictedPositive = positive.equals(predicted.get());
            if (goldPositive && predictedPositive) truePositive++;
            else if (predictedPositive) falsePositive++;
            else if (goldPositive) falseNegative++;
        }

        double f1() {
            int denominator = 2 * truePositive + falsePositive + falseNegative;
            return denominator == 0 ? 0 : 100.0 * 2 * truePositive / denominator;
        }
    }

    /** Every benchmark file directly under {@code dir}'s sub-folders, by folder name. */
    static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new GuardCli.ConfigurationException(dir + " is not a directory; give a folder laid out like guardreasoner-outputs/3B");
        }
        List<Path> files = new ArrayList<>();
        try (var folders = Files.list(dir)) {
            folders.sorted().forEach(folder -> {
                Path file = folder.resolve(FILE);
                if (Files.isRegularFile(file)) files.add(file);
            });
        }
        if (files.isEmpty()) {
            throw new GuardCli.ConfigurationException("no <benchmark>/" + FILE + " under " + dir);
        }
        return files;
    }
}
