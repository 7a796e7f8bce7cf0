package io.guardreasoner.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The published GuardReasoner-3B outputs in {@code <guardreasoner.shared.dir>/guardreasoner-outputs/3B}, read for
 * tests; a test that asks for them is skipped with a message when the folder is absent. (guard-test has the same
 * helper for other modules; guard-core cannot depend on guard-test, which depends on it.)
 */
final class PublishedOutputs {

    /** One published line: the benchmark folder, the exact prompt, the gold label, the model's raw output. */
    record Item(String benchmark, int line, String prompt, String label, String predict) {
        /** True when the prompt had no AI response ({@code None}). */
        boolean requestOnly() {
            return prompt.endsWith("\n\nAI assistant:\nNone\n\n");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static List<Item> cached;

    private PublishedOutputs() {
    }

    /** Every item of every benchmark of the 3B outputs, in folder then line order; skips the test when absent. */
    static synchronized List<Item> assumeAll() {
        String shared = System.getProperty("guardreasoner.shared.dir");
        Path dir = shared == null ? null : Path.of(shared, "guardreasoner-outputs", "3B");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(dir), () -> "published GuardReasoner outputs not found at "
                + dir + " (set -Dguardreasoner.shared.dir to the folder holding guardreasoner-outputs/); skipping");
        if (cached == null) cached = read(dir);
        return cached;
    }

    private static List<Item> read(Path dir) {
        List<Item> items = new ArrayList<>();
        try (Stream<Path> folders = Files.list(dir)) {
            for (Path folder : folders.sorted().toList()) {
                Path file = folder.resolve("generated_predictions.jsonl");
                if (!Files.isRegularFile(file)) continue;
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).isBlank()) continue;
                    JsonNode node = JSON.readTree(lines.get(i));
                    items.add(new Item(folder.getFileName().toString(), i + 1, node.path("prompt").asText(),
                            node.path("label").asText(), node.path("predict").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the published outputs in " + dir + ": " + e.getMessage(), e);
        }
        Assumptions.assumeFalse(items.isEmpty(), () -> "no generated_predictions.jsonl under " + dir + "; skipping");
        return items;
    }
}
