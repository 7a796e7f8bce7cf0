package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The bridge gives Jlama's generate loop Llama-3's ids; Jlama's own tokenizer does not. */
class JlamaTokenizerBridgeTest {

    @Test
    void jlamasOwnTokenizerDropsJapaneseAndMisencodesAccentsWhereOursMatchesTheReference() {
        Tokenizer jlama = new LlamaTokenizer(Llama3TokenizerFile.require().getParent());
        Llama3Tokenizer ours = Llama3TokenizerFile.tokenizer();

        // Reference ids from llama3-golden.jsonl.
        assertThat(ours.encode("日本")).containsExactly(102433);
        assertThat(ours.encode("é")).containsExactly(978);
        assertThat(ours.encode("café")).containsExactly(936, 59958);

        assertThat(jlama.encode("日本")).as("Jlama 0.8.4 on '日本'").isEmpty();
        assertThat(jlama.encode("é")).as("Jlama 0.8.4 on 'é'").isNotEqualTo(new long[] {978});
        assertThat(jlama.encode("café")).as("Jlama 0.8.4 on 'café'").isNotEqualTo(new long[] {936, 59958});
    }

    @Test
    void encodesWithLlama3IdsAndNoBeginOfTextSinceJlamaAddsOne() {
        Llama3Tokenizer ours = Llama3TokenizerFile.tokenizer();
        JlamaTokenizerBridge bridge = new JlamaTokenizerBridge(ours);
        String text = "日本語のテキストと café 😀";

        assertThat(bridge.encode(text)).containsExactly(Arrays.stream(ours.encode(text)).asLongStream().toArray());
        assertThat(bridge.encode(text)[0]).isNotEqualTo(ours.beginOfTextId());
        assertThat(bridge.tokenize("Hello world")).containsExactly("Hello", "Ġworld");
    }

    @Test
    void decodesTokenByTokenAsJlamaGenerateDoesWithoutBreakingCharacters() {
        JlamaTokenizerBridge bridge = new JlamaTokenizerBridge(Llama3TokenizerFile.tokenizer());
        String text = "答えは「𠜎」です。😀 é";
        long[] ids = bridge.encode(text);

        // AbstractModel.generate appends decode(id) for each sampled id.
        String streamed = LongStream.of(ids).mapToObj(bridge::decode).collect(Collectors.joining());

        assertThat(streamed).isEqualTo(text);
        assertThat(bridge.decode(ids)).isEqualTo(text);
    }

    @Test
    void encodeStartsAFreshStreamSoAnAbortedCharacterDoesNotLeakIntoTheNextGeneration() {
        Llama3Tokenizer ours = Llama3TokenizerFile.tokenizer();
        JlamaTokenizerBridge bridge = new JlamaTokenizerBridge(ours);
        int[] rare = ours.encode("𠜎");
        bridge.decode(rare[0]); // a generation stopped inside a character

        bridge.encode("next prompt");

        assertThat(bridge.decode(ours.encode("ok")[0])).isEqualTo("ok");
    }

    @Test
    void marksSpecialTokensForJlamasResponseText() {
        Llama3Tokenizer ours = Llama3TokenizerFile.tokenizer();
        JlamaTokenizerBridge bridge = new JlamaTokenizerBridge(ours);
        int eot = ours.tokenId("<|eot_id|>").orElseThrow();

        assertThat(bridge.getModel().isSpecialToken(eot)).isTrue();
        assertThat(bridge.getModel().isSpecialToken(ours.encode("Hello")[0])).isFalse();
        assertThat(bridge.getModel().hasToolSupport()).isFalse();
        assertThat(bridge.decode(eot)).isEqualTo("<|eot_id|>");
        assertThat(bridge.promptSupport()).isEmpty();
    }
}
