package io.guardreasoner.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assertions;
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
 * tests. When the folder is absent, a test that asks for them is skipped with a message on a user's clone, and fails
 * under CI ({@code CI=true}), where a skip would hide that the parser was never checked on real outputs.
 * (guard-test has a similar helper for other modules; guard-core cannot depend on guard-test, which depends on it.)
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
    private static Path cachedDir;
    private static List<Item> cached;

    private PublishedOutputs() {
    }

    /**
     * Every item of every benchmark of the 3B outputs, in folder then line order. When they are absent the test is
     * skipped, or fails when the environment variable {@code CI} is {@code true}.
     */
    static List<Item> assumeAll() {
        return load(System.getProperty("guardreasoner.shared.dir"), System.getenv("CI"));
    }

    /** {@link #assumeAll()} for a given shared folder (may be null) and value of {@code CI} (may be null). */
    static synchronized List<Item> load(String shared, String ci) {
        Path dir = shared == null || shared.isBlank() ? null : Path.of(shared, "guardreasoner-outputs", "3B");
        if (dir == null || !Files.isDirectory(dir)) {
            absent("published GuardReasoner outputs not found at " + dir
                    + " (set -Dguardreasoner.shared.dir to the folder holding guardreasoner-outputs/)", ci);
        }
        if (!dir.equals(cachedDir)) {
            List<Item> items = read(dir);
            if (items.isEmpty()) absent("no generated_predictions.jsonl under " + dir, ci);
            cachedDir = dir;
            cached = items;
        }
        return cached;
    }

    /**
     * The outputs of another model size ({@code "1B"}, {@code "8B"}) when someone has put them next to the 3B ones
     * ({@code data/test/<size>/} of the authors' repository); empty otherwise. The shared folder promises only 3B, so
     * their absence is never a failure.
     */
    static List<Item> optionalSize(String size) {
        String shared = System.getProperty("guardreasoner.shared.dir");
        if (shared == null || shared.isBlank()) return List.of();
        Path dir = Path.of(shared, "guardreasoner-outputs", size);
        return Files.isDirectory(dir) ? read(dir) : List.of();
    }

    /** Skips the calling test, or fails it under CI. */
    private static void absent(String message, String ci) {
        if ("true".equalsIgnoreCase(ci == null ? null : ci.strip())) {
            Assertions.fail(message + ". CI=true, so this fails instead of skipping: CI must run the checks on the "
                    + "published outputs");
        }
        Assumptions.abort(message + "; skipping");
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
        return items;
    }
}
