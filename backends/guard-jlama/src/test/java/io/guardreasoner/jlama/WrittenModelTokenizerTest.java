package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import io.guardreasoner.test.model.LlamaModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The tokenizer guard-test's model writer writes is one Jlama reads as Llama-3's. */
class WrittenModelTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void tokenizerCoversEveryByteAndTheLlama3SpecialTokens() throws IOException {
        LlamaModelWriter writer = LlamaModelWriter.builder().vocabSize(600).build();
        Path dir = writer.write(tmp.resolve("tok"));

        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        JsonNode vocab = tokenizer.at("/model/vocab");
        for (String ch : LlamaModelWriter.byteToChar()) assertThat(vocab.has(ch)).as("byte %s", ch).isTrue();
        int regular = vocab.size();
        int specials = tokenizer.get("added_tokens").size();
        assertThat(regular + specials).isEqualTo(600);
        Set<Integer> ids = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) ids.add(it.next().getValue().asInt());
        tokenizer.get("added_tokens").forEach(t -> ids.add(t.get("id").asInt()));
        assertThat(ids).hasSize(600).allMatch(id -> id >= 0 && id < 600);

        LlamaTokenizer jlama = new LlamaTokenizer(dir);
        assertThat(jlama.encode(LlamaModelWriter.BEGIN_OF_TEXT)).containsExactly(writer.beginOfTextId());
        assertThat(jlama.encode(LlamaModelWriter.END_OF_TEXT)).containsExactly(writer.endOfTextId());
        assertThat(jlama.encode(LlamaModelWriter.EOT)).containsExactly(writer.eotId());
        // Learned merges make common words shorter than their bytes.
        assertThat(jlama.encode("The request is unharmful.").length).isLessThan("The request is unharmful.".length() / 2);
    }

}
