package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link JlamaBackend} with {@link FaithfulLlamaLoader} reads the text the user wrote; with Jlama's loader it does not. */
class JlamaBackendFidelityTest {

    @TempDir
    static Path tmp;

    private static Path model;

    @BeforeAll
    static void writeModel() {
        model = LlamaModelWriter.builder().llama3RopeScaling(true).tieEmbeddings(true).seed(5).build().write(tmp.resolve("m"));
    }

    @Test
    void ourTokenizerAgreesWithJlamasOnEnglishForTheWrittenTokenizer() {
        Llama3Tokenizer ours = Llama3Tokenizer.load(model);
        LlamaTokenizer jlama = new LlamaTokenizer(model);
        String english = "You are a classifier for analyzing interactions between humans and AI. Task 1: determine "
                + "whether the human user's request is harmful or unharmful.\n\n# Task 1\n## Conclusion: unharmful";

        assertThat(ours.encode(english)).containsExactly(Arrays.stream(jlama.encode(english)).mapToInt(Math::toIntExact).toArray());
    }

    @Test
    void backendCountsAndFeedsEveryByteOfJapaneseWithTheFaithfulLoader() {
        String japanese = "日本語で説明してください";
        int[] expected = Llama3Tokenizer.load(model).encode(japanese, true);

        try (JlamaBackend faithful = JlamaBackend.builder().modelDir(model).cacheDir(tmp.resolve("cache-faithful")).build();
             JlamaBackend jlamas = JlamaBackend.builder().modelDir(model).cacheDir(tmp.resolve("cache-jlama"))
                     .loader(JlamaModelLoader.jlama()).build()) {

            assertThat(faithful.countTokens(japanese)).isEqualTo(expected.length).isGreaterThan(japanese.length());
            assertThat(jlamas.countTokens(japanese)).as("Jlama's tokenizer keeps only <|begin_of_text|>").isEqualTo(1);

            Generation g = faithful.generate(japanese, GenerationOptions.maxTokens(6));
            assertThat(g.generatedTokens().getAsInt()).isPositive();
        }
    }
}
