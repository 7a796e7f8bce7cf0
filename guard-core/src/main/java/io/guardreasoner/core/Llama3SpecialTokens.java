package io.guardreasoner.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The strings a Llama-3 tokenizer reads as special tokens, and the one rule that turns them into plain text.
 *
 * <p>Tokenizers (Hugging Face's, llama.cpp's, this library's {@code Llama3Tokenizer}) match a special token's text
 * verbatim and case-sensitively wherever it appears in the input, so text holding {@code <|eot_id|>} would end the
 * guard's turn for real. {@link #neutralize} inserts {@link #MARK} (U+200B ZERO WIDTH SPACE) right after the
 * {@code <|} of every exact occurrence: {@code <|eot_id|>} becomes {@code <|}, U+200B, {@code eot_id|>}, which
 * every Llama-3 tokenizer reads as ordinary characters. Nothing else changes, so a text without such strings comes
 * back as it was, and {@link #restore} gives back the original text (exactly, unless that text already held the
 * marked form).
 */
public final class Llama3SpecialTokens {

    /** The id of the first special token, {@code <|begin_of_text|>}. */
    public static final int FIRST_ID = 128_000;

    /** How many ids Llama-3 reserves for special tokens: 128000..128255. */
    public static final int COUNT = 256;

    /**
     * Llama 3.1 / 3.2's special tokens in id order (index {@code i} is id {@code 128000 + i}), as their
     * {@code tokenizer.json} names them and so as GuardReasoner 1B, 3B and 8B read them.
     */
    public static final List<String> ALL = generate();

    /**
     * Names other Llama-3 tokenizers use for special tokens, neutralized as well: Llama 3.0's numbers its reserved
     * tokens up to 250 (the tokenizer.json of this library's tokenizer tests is one), and Meta's reference
     * tokenizers (llama-models, torchtune) name id 128005 {@code <|step_id|>} and add {@code <|image|>}.
     */
    public static final List<String> OTHER_NAMES = List.of("<|reserved_special_token_248|>",
            "<|reserved_special_token_249|>", "<|reserved_special_token_250|>", "<|step_id|>", "<|image|>");

    /** The mark put right after the {@code <|} of a special-token string: U+200B ZERO WIDTH SPACE. */
    public static final char MARK = '\u200B';

    private static final String OPEN = "<|";
    private static final String OPEN_MARKED = OPEN + MARK;
    private static final Set<String> NEUTRALIZED = names();
    private static final int LONGEST = NEUTRALIZED.stream().mapToInt(String::length).max().orElseThrow();

    private Llama3SpecialTokens() {
    }

    /** A text after {@link #neutralize}, and how many special-token strings it had. */
    public record Neutralized(String text, int count) {
    }

    /** Whether {@code s} is exactly one of the strings this class neutralizes. */
    public static boolean isSpecialToken(String s) {
        return NEUTRALIZED.contains(s);
    }

    /** The text with {@link #MARK} after the {@code <|} of each special-token string, and their number. */
    public static Neutralized neutralize(String text) {
        int at = text.indexOf(OPEN);
        if (at < 0) return new Neutralized(text, 0); // the common case: nothing to look at
        StringBuilder out = null;
        int copied = 0;
        int count = 0;
        while (at >= 0) {
            int end = tokenEnd(text, at);
            if (end < 0) {
                at = text.indexOf(OPEN, at + 1);
                continue;
            }
            if (out == null) out = new StringBuilder(text.length() + 16);
            out.append(text, copied, at + OPEN.length()).append(MARK);
            copied = at + OPEN.length();
            count++;
            at = text.indexOf(OPEN, end);
        }
        if (out == null) return new Neutralized(text, 0);
        return new Neutralized(out.append(text, copied, text.length()).toString(), count);
    }

    /** The inverse of {@link #neutralize}: drops the mark from each marked special-token string. */
    public static String restore(String text) {
        int at = text.indexOf(OPEN_MARKED);
        if (at < 0) return text;
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        while (at >= 0) {
            int after = at + OPEN_MARKED.length();
            String unmarked = OPEN + text.substring(after, Math.min(text.length(), after + LONGEST));
            if (tokenEnd(unmarked, 0) > 0) {
                out.append(text, copied, at + OPEN.length());
                copied = at + OPEN_MARKED.length();
            }
            at = text.indexOf(OPEN_MARKED, at + 1);
        }
        return out.append(text, copied, text.length()).toString();
    }

    /** The index after the special-token string that starts at {@code at}, or -1 when none does. */
    private static int tokenEnd(String text, int at) {
        // No name holds '|', so a token that starts here ends at the first "|>" after its "<|".
        int limit = Math.min(text.length(), at + LONGEST);
        for (int i = at + OPEN.length(); i + 1 < limit; i++) {
            if (text.charAt(i) == '|') {
                return text.charAt(i + 1) == '>' && NEUTRALIZED.contains(text.substring(at, i + 2)) ? i + 2 : -1;
            }
        }
        return -1;
    }

    /** Llama 3.1's layout: eight named tokens at fixed ids, reserved tokens numbered 0.. in id order around them. */
    private static List<String> generate() {
        Map<Integer, String> named = Map.of(0, "begin_of_text", 1, "end_of_text", 4, "finetune_right_pad_id",
                6, "start_header_id", 7, "end_header_id", 8, "eom_id", 9, "eot_id", 10, "python_tag");
        List<String> tokens = new ArrayList<>(COUNT);
        int reserved = 0;
        for (int i = 0; i < COUNT; i++) {
            String name = named.get(i);
            tokens.add(OPEN + (name != null ? name : "reserved_special_token_" + reserved++) + "|>");
        }
        return List.copyOf(tokens);
    }

    private static Set<String> names() {
        Set<String> all = new HashSet<>(ALL);
        all.addAll(OTHER_NAMES);
        return Set.copyOf(all);
    }
}
