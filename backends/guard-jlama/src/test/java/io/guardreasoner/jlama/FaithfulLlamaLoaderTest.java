package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Jlama's own generate loop, on a model loaded by {@link FaithfulLlamaLoader}, runs on our token ids. */
class FaithfulLlamaLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void generateFeedsTheModelLlama3IdsAndStreamsWholeCharacters() throws Exception {
        Path dir = LlamaModelWriter.builder().llama3RopeScaling(true).tieEmbeddings(true).seed(3).build().write(tmp.resolve("m"));
        String prompt = "日本語で答えて: the café";
        int extra = 12;

        try (AbstractModel model = FaithfulLlamaLoader.loadF32(dir)) {
            Llama3Tokenizer tokenizer = ((JlamaTokenizerBridge) model.getTokenizer()).llama3();
            int[] ids = tokenizer.encode(prompt, true);
            List<Integer> expected = greedy(model, ids, 1 + extra);

            List<String> streamed = new ArrayList<>();
            Generator.Response response = model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0f,
                    ids.length + extra, (piece, ms) -> streamed.add(piece));

            String expectedText = tokenizer.decode(expected.stream().mapToInt(Integer::intValue).toArray(), true);
            assertThat(expected).as("greedy continuation of the random model").hasSize(1 + extra);
            assertThat(response.promptTokens).isEqualTo(ids.length - 1); // Jlama counts the prompt without its BOS
            assertThat(response.responseText).isEqualTo(expectedText);
            assertThat(String.join("", streamed)).isEqualTo(expectedText);
        }
    }

    /** Greedy continuation computed by hand from our ids, stopping before an end-of-text token as generate does. */
    private static List<Integer> greedy(AbstractModel model, int[] ids, int count) {
        List<Integer> out = new ArrayList<>();
        int vocab = model.getConfig().vocabularySize;
        KvBufferCache cache = new KvBufferCache(model);
        try (KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer();
             AbstractTensor logits = model.makeDenseTensor(1, vocab)) {
            int next;
            try (AbstractTensor batch = model.batchForward(ids, 0, kv)) {
                next = model.sample(batch.slice(ids.length - 1), 0f, 0f, logits);
            }
            out.add(next);
            for (int pos = ids.length; out.size() < count; pos++) {
                try (AbstractTensor hidden = model.forward(next, pos, kv, Optional.empty())) {
                    next = model.sample(hidden, 0f, 0f, logits);
                }
                if (model.getConfig().eosTokens.contains(next)) break;
                out.add(next);
            }
        } finally {
            cache.close();
        }
        return out;
    }

    @Test
    void refusesADirectoryWithoutAModel() {
        assertThatThrownBy(() -> FaithfulLlamaLoader.loadF32(tmp))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No config.json");
    }

    @Test
    void refusesAModelWhoseTokenizerIsNotLlama3s() throws Exception {
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("bad-tokenizer"));
        Files.writeString(dir.resolve("tokenizer.json"),
                TinyLlama3TokenizerJson.of(512).replace("\"Isolated\"", "\"Removed\""));

        assertThatThrownBy(() -> FaithfulLlamaLoader.loadF32(dir))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre_tokenizer is not Llama-3's");
    }
}
