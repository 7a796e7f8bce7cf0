package io.guardreasoner.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.jlama.JlamaBench;
import io.guardreasoner.test.bench.TokenCounter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The token counts a benchmark forces on a random-weight model, so that it does the work of a real verdict: medians
 * of GuardReasoner-3B's published outputs under the Llama-3 tokenizer.
 *
 * @param prompt            prompt tokens of a published check (all benchmarks), {@code <|begin_of_text|>} included;
 *                          the input-rail prompt length here, which is conservative: see {@code requestOnlyPrompt}
 * @param requestOnlyPrompt prompt tokens of the published request-only checks (no AI response)
 * @param instructionPrefix tokens of the instruction every prompt starts with, {@code <|begin_of_text|>} included
 * @param task1Only         generated tokens up to {@code # Task 2}, where the input rail stops
 * @param fullNoResponse    generated tokens of a whole verdict on a request only
 * @param fullWithResponse  generated tokens of a whole verdict on a request and a response
 * @param source            where the figures come from
 */
public record TokenCounts(int prompt, int requestOnlyPrompt, int instructionPrefix, int task1Only, int fullNoResponse, int fullWithResponse,
                          String source) {

    /** The tokens of the AI response the output-rail check judges. */
    public static final int RESPONSE_TOKENS = 300;

    private static final String TASK_2 = "# Task 2";

    /** The medians measured on the six published GuardReasoner-3B benchmarks with the Llama-3 tokenizer. */
    public static TokenCounts measuredDefaults() {
        return new TokenCounts(212, 126, 104, 90, 243, 287,
                "medians of the published GuardReasoner-3B outputs (Llama-3 tokenizer), as measured before");
    }

    /**
     * Recomputes the medians from the published outputs (a folder of {@code generated_predictions.jsonl} files)
     * with the Llama-3 tokenizer.json; empty when either is missing.
     */
    public static Optional<TokenCounts> fromPublished(Path outputsDir, Path tokenizerJson) {
        if (outputsDir == null || tokenizerJson == null || !Files.isDirectory(outputsDir)
                || !Files.isRegularFile(tokenizerJson)) {
            return Optional.empty();
        }
        TokenCounter tokenizer = JlamaBench.llama3Tokens(tokenizerJson);
        ObjectMapper json = new ObjectMapper();
        List<Integer> prompts = new ArrayList<>();
        List<Integer> requestOnlyPrompts = new ArrayList<>();
        List<Integer> task1 = new ArrayList<>();
        List<Integer> fullNoResponse = new ArrayList<>();
        List<Integer> fullWithResponse = new ArrayList<>();
        try (Stream<Path> files = Files.walk(outputsDir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank()) continue;
                    JsonNode row = json.readTree(line);
                    String prompt = row.path("prompt").asText();
                    String predict = row.path("predict").asText();
                    boolean noResponse = prompt.endsWith("AI assistant:\n" + GuardPrompt.NO_RESPONSE + "\n\n");
                    int outputTokens = tokenizer.count(predict, false);
                    int promptTokens = tokenizer.count(prompt, true);
                    prompts.add(promptTokens);
                    if (noResponse) {
                        requestOnlyPrompts.add(promptTokens);
                        fullNoResponse.add(outputTokens);
                        int cut = predict.indexOf(TASK_2);
                        if (cut > 0) task1.add(tokenizer.count(predict.substring(0, cut), false));
                    } else {
                        fullWithResponse.add(outputTokens);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the published outputs in " + outputsDir + ": " + e.getMessage(), e);
        }
        if (requestOnlyPrompts.isEmpty() || task1.isEmpty() || fullWithResponse.isEmpty()) return Optional.empty();
        int prefix = tokenizer.count(GuardPrompt.INSTRUCTION, true);
        return Optional.of(new TokenCounts(median(prompts), median(requestOnlyPrompts), prefix, median(task1), median(fullNoResponse),
                median(fullWithResponse), "medians of " + prompts.size()
                + " published GuardReasoner-3B outputs in " + outputsDir + ", Llama-3 tokenizer " + tokenizerJson));
    }

    static int median(List<Integer> values) {
        List<Integer> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (int) Math.round((sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0);
    }
}
