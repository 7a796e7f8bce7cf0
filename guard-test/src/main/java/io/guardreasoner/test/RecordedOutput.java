package io.guardreasoner.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One line of a recorded-outputs file: the exact prompt GuardReasoner was given, the gold label and its raw output.
 *
 * @param prompt   the full model input, in either prompt layout
 * @param label    the benchmark's gold label (may be empty)
 * @param predict  the model's raw generated text
 * @param exchange the human request and AI response parsed out of {@code prompt}
 */
public record RecordedOutput(String prompt, String label, String predict, Exchange exchange) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RecordedOutput {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(predict, "predict");
        Objects.requireNonNull(exchange, "exchange");
    }

    /**
     * Reads a JSON Lines file in the layout of {@code guardreasoner-outputs/<model>/<benchmark>/generated_predictions.jsonl}.
     * Blank lines are skipped; a line that is not such an object fails with its file and line number.
     */
    public static List<RecordedOutput> readAll(Path jsonl) {
        List<RecordedOutput> outputs = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) continue;
                outputs.add(parseLine(line, jsonl + ":" + number));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read recorded outputs " + jsonl + ": " + e.getMessage(), e);
        }
        return outputs;
    }

    private static RecordedOutput parseLine(String line, String where) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not a JSON object: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject() || !node.path("prompt").isTextual() || !node.path("predict").isTextual()) {
            throw new IllegalArgumentException(where + ": expected an object with text fields \"prompt\" and \"predict\"");
        }
        String prompt = node.get("prompt").asText();
        Exchange exchange = GuardPrompt.parse(prompt).orElseThrow(() -> new IllegalArgumentException(
                where + ": \"prompt\" is not a GuardReasoner prompt (no \"Human user:\" / \"AI assistant:\" parts)"));
        return new RecordedOutput(prompt, node.path("label").asText(""), node.get("predict").asText(), exchange);
    }

    /**
     * How recordings are matched: both sides as {@link GuardPrompt#clean} leaves them, since that is what a rendered
     * prompt carries and what the stub parses back out of it.
     */
    record Key(String request, String response) {
        private static final GuardPrompt CLEANER = GuardPrompt.modelCard();

        static Key of(Exchange exchange) {
            return new Key(CLEANER.clean(exchange.request()),
                    exchange.response().map(CLEANER::clean).orElse(null));
        }
    }
}
