package io.guardreasoner.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.VerdictParser;
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
 * Generated tokens per input-rail check with and without early stop, read off the published GuardReasoner-3B outputs
 * of request-only checks (a random model never writes {@code # Task 2}, so this cannot come from a bench run).
 *
 * <p>With early stop the guard generates up to and including {@code # Task 2} (the stop sequence is seen once its
 * last token is out) and reads the request label from the cut Task 1 ({@link VerdictParser#parseReasoning}). When
 * that gives no label, generation continues from where it stopped and writes the whole output (a fallback: the
 * continued text equals one full generation); an output without {@code # Task 2} is never cut. Without early stop the
 * guard generates the whole output. The label probe (off by default) is not counted.
 *
 * @param checks             request-only outputs read
 * @param withEarlyStop      average generated tokens per check with early stop, fallbacks included
 * @param withoutEarlyStop   average generated tokens per check without early stop
 * @param fallbacks          checks whose cut Task 1 gave no label, so that generation continued
 * @param neverCut           outputs without {@code # Task 2}, generated whole either way
 * @param source             where the outputs and the tokenizer came from
 */
public record EarlyStopTokens(int checks, double withEarlyStop, double withoutEarlyStop, int fallbacks, int neverCut,
                              String source) {

    static final String TASK_2 = "# Task 2";

    /** The share of generated tokens early stop saves. */
    public double saving() {
        return 1 - withEarlyStop / withoutEarlyStop;
    }

    /** Reads the request-only outputs under {@code outputsDir}; empty when the outputs or the tokenizer are missing. */
    public static Optional<EarlyStopTokens> fromPublished(Path outputsDir, Path tokenizerJson) {
        if (outputsDir == null || tokenizerJson == null || !Files.isDirectory(outputsDir)
                || !Files.isRegularFile(tokenizerJson)) {
            return Optional.empty();
        }
        List<String> outputs = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.walk(outputsDir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank()) continue;
                    JsonNode row = json.readTree(line);
                    if (row.path("prompt").asText().endsWith("AI assistant:\n" + GuardPrompt.NO_RESPONSE + "\n\n")) {
                        outputs.add(row.path("predict").asText());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the published outputs in " + outputsDir + ": " + e.getMessage(), e);
        }
        if (outputs.isEmpty()) return Optional.empty();
        return Optional.of(of(outputs, JlamaBench.llama3Tokens(tokenizerJson), outputs.size()
                + " request-only GuardReasoner-3B outputs in " + outputsDir + ", Llama-3 tokenizer " + tokenizerJson));
    }

    /** The figures for these model outputs of request-only checks, counted with {@code tokens}. */
    static EarlyStopTokens of(List<String> outputs, TokenCounter tokens, String source) {
        if (outputs.isEmpty()) throw new IllegalArgumentException("no outputs");
        VerdictParser parser = VerdictParser.standard();
        long early = 0;
        long full = 0;
        int fallbacks = 0;
        int neverCut = 0;
        for (String output : outputs) {
            int whole = tokens.count(output, false);
            full += whole;
            int cut = output.indexOf(TASK_2);
            if (cut < 0) {
                neverCut++;
                early += whole;
            } else if (parser.parseReasoning(output.substring(0, cut)).request().isPresent()) {
                early += tokens.count(output.substring(0, cut + TASK_2.length()), false);
            } else {
                fallbacks++;
                early += whole;
            }
        }
        return new EarlyStopTokens(outputs.size(), (double) early / outputs.size(), (double) full / outputs.size(),
                fallbacks, neverCut, source);
    }
}
