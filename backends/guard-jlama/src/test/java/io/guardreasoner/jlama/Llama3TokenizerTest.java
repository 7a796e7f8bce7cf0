package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tokenizer's mechanics on a tiny Llama-3-style tokenizer.json, so they are pinned even where the real
 * tokenizer.json cannot be fetched (the golden test covers the real one).
 */
class Llama3TokenizerTest {

    @TempDir
    static Path tmp;

    private static Llama3Tokenizer tiny;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tiny"));
        Files.writeString(dir.resolve("tokenizer.json"), TinyLlama3TokenizerJson.of(512));
        tiny = Llama3Tokenizer.load(dir);
    }

    private static int id(String token) {
        return tiny.tokenId(token).orElseThrow();
    }

    @Test
    void mergesByRankAcrossTheWholeWord() {
        // " the": "Ġ t" (rank 0) and "h e" (rank 1) first, then "Ġt he" (rank 3).
        assertThat(tiny.encode(" the")).containsExactly(id("Ġthe"));
        // "ing" only merges "in" + "g" after "i n".
        assertThat(tiny.encode("sing")).containsExactly(id("s"), id("ing"));
    }

    @Test
    void splitsLikeTheLlama3RegexBeforeMerging() {
        // Words keep their leading space, digits go in threes, runs of spaces leave the last one to the next word.
        assertThat(tiny.encode("a  the")).containsExactly(id("a"), id("Ġ"), id("Ġthe"));
        assertThat(tiny.encode("12345")).containsExactly(id("1"), id("2"), id("3"), id("4"), id("5"));
        assertThat(tiny.encode("it's")).containsExactly(id("i"), id("t"), id("'"), id("s"));
    }

    @Test
    void encodesAnyUnicodeTextAsBytesWithoutLosingIt() {
        String text = "日本語 é 😀 مرحبا";

        int[] ids = tiny.encode(text);

        // The tiny vocabulary has no merges for these bytes: one token per UTF-8 byte.
        assertThat(ids).hasSize(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(tiny.decode(ids)).isEqualTo(text);
    }

    @Test
    void matchesSpecialTokensVerbatimAndAddsOneBeginOfText() {
        int bot = id("<|begin_of_text|>");
        int eot = id("<|eot_id|>");

        assertThat(tiny.encode("a<|eot_id|>b")).containsExactly(id("a"), eot, id("b"));
        assertThat(tiny.encode("<|eot_id", false)).hasSize("<|eot_id".length());
        assertThat(tiny.encode("a", true)).containsExactly(bot, id("a"));
        assertThat(tiny.encode("<|begin_of_text|>a", true)).containsExactly(bot, id("a"));
        assertThat(tiny.isSpecial(eot)).isTrue();
        assertThat(tiny.specialTokenIds()).containsExactly(509, 510, 511);
    }

    @Test
    void plainTextEncodingReadsSpecialTokenStringsAsCharacters() {
        String text = "a<|eot_id|>b<|begin_of_text|><|end_of_text|>";

        int[] ids = tiny.encodePlainText(text);

        assertThat(ids).doesNotContain(tiny.specialTokenIds());
        assertThat(tiny.decode(ids)).isEqualTo(text);
        assertThat(tiny.encode(text)).contains(tiny.specialTokenIds()).hasSizeLessThan(ids.length);
        assertThat(tiny.encodePlainText("a b")).containsExactly(tiny.encode("a b"));
    }

    @Test
    void streamDecoderPeeksWithoutTakingAndGoesOnFromHeldBytes() {
        int[] ids = tiny.encode("日本"); // six byte tokens
        Llama3Tokenizer.StreamDecoder first = tiny.streamDecoder(true);
        first.next(ids[0]);
        first.next(ids[1]);

        Llama3Tokenizer.StreamDecoder second = tiny.streamDecoder(true, first.held());

        assertThat(first.held()).hasSize(2);
        assertThat(second.peek(ids[2])).isEqualTo("日");
        assertThat(second.peek(ids[2])).isEqualTo("日");
        assertThat(second.peek(id("<|eot_id|>"))).isEmpty();
        assertThat(second.next(ids[2])).isEqualTo("日");
        assertThat(second.held()).isEmpty();
    }

    @Test
    void decodesSpecialTokensUnlessAskedToSkipThem() {
        int[] ids = tiny.encode("<|begin_of_text|>hi<|eot_id|>");

        assertThat(tiny.decode(ids)).isEqualTo("<|begin_of_text|>hi<|eot_id|>");
        assertThat(tiny.decode(ids, true)).isEqualTo("hi");
    }

    @Test
    void streamDecoderReturnsACharacterOnlyWhenAllItsBytesArrived() {
        int[] ids = tiny.encode("日"); // three byte tokens
        Llama3Tokenizer.StreamDecoder decoder = tiny.streamDecoder(true);

        assertThat(ids).hasSize(3);
        assertThat(decoder.next(ids[0])).isEmpty();
        assertThat(decoder.next(ids[1])).isEmpty();
        assertThat(decoder.next(ids[2])).isEqualTo("日");
        assertThat(decoder.next(ids[0])).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
    }

    @Test
    void rejectsIdsOutsideTheVocabularyWithTheRange() {
        assertThatThrownBy(() -> tiny.decode(new int[] {512}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512").hasMessageContaining("0..511");
    }

    @Test
    void refusesTokenizerJsonsThatAreNotLlama3s() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(TinyLlama3TokenizerJson.of(512));
        ((ObjectNode) ((ArrayNode) root.get("pre_tokenizer").get("pretokenizers")).get(0).get("pattern"))
                .put("Regex", "\\s+|\\S+");
        Path file = tmp.resolve("gpt-like.json");
        json.writeValue(file.toFile(), root);

        assertThatThrownBy(() -> Llama3Tokenizer.load(file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre_tokenizer is not Llama-3's");
        assertThatThrownBy(() -> Llama3Tokenizer.load(tmp.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No tokenizer.json");
    }
}
