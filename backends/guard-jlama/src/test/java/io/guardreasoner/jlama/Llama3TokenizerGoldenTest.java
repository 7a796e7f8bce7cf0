package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Llama3SpecialTokens;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins {@link Llama3Tokenizer} to the ids of a reference Llama-3 tokenizer, recorded in
 * {@code tokenizer/llama3-golden.jsonl} by {@code src/test/tokenizer-golden/make-golden.mjs}.
 */
class Llama3TokenizerGoldenTest {

    record GoldenCase(String text, int[] ids) {
        @Override
        public String toString() {
            return new ObjectMapper().valueToTree(text).toString();
        }
    }

    static List<GoldenCase> golden() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<GoldenCase> cases = new ArrayList<>();
        try (InputStream in = Llama3TokenizerGoldenTest.class.getResourceAsStream("/tokenizer/llama3-golden.jsonl");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode node = json.readTree(line);
                int[] ids = new int[node.get("ids").size()];
                for (int i = 0; i < ids.length; i++) ids[i] = node.get("ids").get(i).asInt();
                cases.add(new GoldenCase(node.get("text").asText(), ids));
            }
        }
        return cases;
    }

    @Test
    void goldenFileCoversTheAgreedKindsOfText() throws IOException {
        List<String> texts = golden().stream().map(GoldenCase::text).toList();

        assertThat(texts).hasSizeGreaterThanOrEqualTo(200)
                .contains("日本", "é", "café", "😀", "مرحبا بالعالم", "你好，世界", "  ", "a".repeat(1000))
                .anyMatch(t -> t.contains("public static void main"))
                .anyMatch(t -> t.contains("<|eot_id|>"));
    }

    @Test
    void goldenFileHoldsTheCurrentGuardReasonerPrompts() throws IOException {
        // make-golden.mjs carries its own copy of the instruction; this fails when GuardPrompt moves on without it.
        List<String> texts = golden().stream().map(GoldenCase::text).toList();

        assertThat(texts).contains(
                GuardPrompt.modelCard().render(Exchange.request("How do I bake bread?")),
                GuardPrompt.modelCard().render(Exchange.of("How do I make a bomb?", "I can't help with that.")),
                GuardPrompt.modelCard().render(Exchange.of("日本の首都はどこですか？", "東京です。")),
                GuardPrompt.evaluation().render(Exchange.request("How do I bake bread?")));
    }

    @Test
    void encodesEveryGoldenStringToTheReferenceIds() throws IOException {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();
        List<String> mismatches = new ArrayList<>();

        for (GoldenCase c : golden()) {
            int[] ours = tokenizer.encode(c.text());
            if (!Arrays.equals(ours, c.ids())) {
                mismatches.add(c + "\n  expected " + Arrays.toString(c.ids()) + "\n  but was  " + Arrays.toString(ours));
            }
        }

        assertThat(mismatches).as("golden strings whose ids differ").isEmpty();
    }

    @Test
    void readsSpecialTokenStringsAsPlainTextWhenAskedAndOtherwiseGivesTheReferenceIds() throws IOException {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();

        for (GoldenCase c : golden()) {
            int[] plain = tokenizer.encodePlainText(c.text());
            assertThat(Arrays.stream(plain).filter(tokenizer::isSpecial)).as(c.toString()).isEmpty();
            assertThat(tokenizer.decode(plain)).as(c.toString()).isEqualTo(c.text());
            if (Arrays.stream(c.ids()).noneMatch(tokenizer::isSpecial)) {
                assertThat(plain).as(c.toString()).containsExactly(c.ids());
            }
        }
        String all = String.join("", Llama3SpecialTokens.ALL) + String.join("", Llama3SpecialTokens.OTHER_NAMES);
        assertThat(Arrays.stream(tokenizer.encode(all)).filter(tokenizer::isSpecial)).hasSizeGreaterThanOrEqualTo(256);
        assertThat(Arrays.stream(tokenizer.encodePlainText(all)).filter(tokenizer::isSpecial)).isEmpty();
        assertThat(tokenizer.decode(tokenizer.encodePlainText(all))).isEqualTo(all);
    }

    @Test
    void prependsExactlyOneBeginOfText() throws IOException {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();
        int bot = tokenizer.beginOfTextId();

        assertThat(bot).isEqualTo(128000);
        for (GoldenCase c : golden()) {
            int[] withBot = tokenizer.encode(c.text(), true);
            int[] expected = c.ids().length > 0 && c.ids()[0] == bot
                    ? c.ids()
                    : IntStream.concat(IntStream.of(bot), IntStream.of(c.ids())).toArray();
            assertThat(withBot).as(c.toString()).containsExactly(expected);
        }
    }

    @Test
    void decodesGoldenIdsBackToTheExactText() throws IOException {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();

        for (GoldenCase c : golden()) {
            assertThat(tokenizer.decode(c.ids())).as(c.toString()).isEqualTo(c.text());
        }
    }

    @Test
    void streamDecodingHoldsBackCharactersSplitAcrossTokens() throws IOException {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();

        for (GoldenCase c : golden()) {
            Llama3Tokenizer.StreamDecoder decoder = tokenizer.streamDecoder(false);
            StringBuilder text = new StringBuilder();
            for (int id : c.ids()) {
                String piece = decoder.next(id);
                if (!c.text().contains("\uFFFD")) assertThat(piece).as("piece of " + c).doesNotContain("\uFFFD");
                text.append(piece);
            }
            text.append(decoder.flush());
            assertThat(text.toString()).as(c.toString()).isEqualTo(c.text());
        }
    }

    @Test
    void tokensOfTheInstructionPrefixStartTheTokensOfEveryPromptSoItsKvStateCanBeReused() {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();
        String[] requests = {"How do I bake bread?", "\nleading newline", "  leading spaces", "日本語", ":colon", "\t\ttabs",
                "<|eot_id|>", "", "Human user:\nfake", "😀"};

        for (GuardPrompt prompt : new GuardPrompt[] {GuardPrompt.modelCard(), GuardPrompt.evaluation()}) {
            int[] prefix = tokenizer.encode(prompt.prefix(), true);
            int[] plainPrefix = tokenizer.encodePlainText(prompt.prefix());
            for (String request : requests) {
                for (Exchange exchange : new Exchange[] {Exchange.request(request), Exchange.of(request, request)}) {
                    int[] full = tokenizer.encode(prompt.render(exchange), true);
                    assertThat(Arrays.copyOf(full, prefix.length)).as(prompt.layout() + " / " + request).containsExactly(prefix);
                    int[] plain = tokenizer.encodePlainText(prompt.render(exchange));
                    assertThat(Arrays.copyOf(plain, plainPrefix.length)).as(prompt.layout() + " / " + request)
                            .containsExactly(plainPrefix);
                }
            }
        }
    }

    @Test
    void holdsBackARareCharacterSplitOverSeveralTokens() {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();
        // 𠜎 (U+2070E) has no token of its own: its four UTF-8 bytes come as more than one token.
        int[] ids = tokenizer.encode("𠜎");
        Llama3Tokenizer.StreamDecoder decoder = tokenizer.streamDecoder(false);
        List<String> pieces = Arrays.stream(ids).mapToObj(decoder::next).toList();

        assertThat(ids.length).isGreaterThan(1);
        assertThat(pieces.subList(0, pieces.size() - 1)).allMatch(String::isEmpty);
        assertThat(pieces.getLast()).isEqualTo("𠜎");
    }

    @Test
    void encodesAMegabyteOfMixedTextLosslessly() throws IOException {
        Llama3Tokenizer tokenizer = Llama3TokenizerFile.tokenizer();
        StringBuilder big = new StringBuilder(1 << 20);
        List<GoldenCase> cases = golden();
        for (int i = 0; big.length() < 1 << 20; i++) big.append(cases.get(i % cases.size()).text()).append(' ').append(i);
        String text = big.toString();

        int[] ids = tokenizer.encode(text);

        assertThat(tokenizer.decode(ids)).isEqualTo(text);
        assertThat(ids.length).isBetween(text.length() / 8, text.length());
    }
}
