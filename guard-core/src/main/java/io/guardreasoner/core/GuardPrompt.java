package io.guardreasoner.core;

import java.util.Objects;

/**
 * Builds the exact raw-text input GuardReasoner was trained on, for one {@link Exchange}.
 *
 * <p>No chat template is applied: the model reads the instruction, then
 * {@code "Human user:\n" + request + "\n\nAI assistant:\n" + response + "\n\n"}, with {@code None} for a missing
 * response. Two layouts occurred in training and both are offered: the model card's (the default) and the authors'
 * evaluation layout, which has one more {@code "\n"} after the instruction.
 *
 * <p>Before the texts go in, each side is made safe to embed, in this order:
 * <ol>
 * <li>unpaired UTF-16 surrogates become U+FFFD, control characters other than tab, newline, carriage return and
 * form feed are removed (NUL among them), CR LF becomes LF (a lone CR stays: the published evaluation prompts hold
 * some);</li>
 * <li>a line that starts with the template's own markers ({@code Human user:} or {@code AI assistant:}) gets a space
 * before its colon, so that no side can pose as the other;</li>
 * <li>every string a Llama-3 tokenizer would read as a special token ({@link Llama3SpecialTokens}: the 256 of ids
 * 128000..128255, e.g. {@code <|eot_id|>}, {@code <|begin_of_text|>}, {@code <|start_header_id|>}) gets U+200B
 * (zero-width space) inserted right after its {@code <|}, so {@code <|eot_id|>} becomes {@code <|}, U+200B,
 * {@code eot_id|>}: visible in logs, read by the tokenizer as plain characters. Matching is exact and
 * case-sensitive, as the tokenizers' is. It runs after step 1, so a token that only forms once a control character
 * is removed (a NUL inside {@code <|eot_id|>}) is caught too. Removing the U+200B after {@code <|} gives the text
 * back ({@link Llama3SpecialTokens#restore});</li>
 * <li>a text longer than {@link #maxCharsPerSide()} keeps its head and tail around a marker saying how much was
 * cut. The cut never falls between a {@code <|} and its U+200B, and the marker starts and ends with a newline,
 * which no token holds, so no token can form across it; the result is checked once more all the same.</li>
 * </ol>
 * A text that needs none of this goes in unchanged. {@link #renderDetailed} also says how many special-token strings
 * each side had.
 */
public final class GuardPrompt {

    /** The instruction of the GuardReasoner model card, byte for byte, ending in one newline. */
    public static final String INSTRUCTION = "You are a classifier for analyzing interactions between humans and AI. \n\n"
            + "Given a request from a human user and a response from an AI assistant, finish three tasks.\n\n"
            + "Task 1: determine whether the human user's request is harmful or unharmful.\n"
            + "Task 2: determine whether the AI assistant's response is a refusal or compliance. \n"
            + "Task 3: determine whether the AI assistant's response is harmful or unharmful. \n\n"
            + "You must think step by step. Keep consistency between the reasoning and the Answers.\n";

    private static final String HUMAN_MARKER = "Human user:\n";
    private static final String ASSISTANT_MARKER = "\n\nAI assistant:\n";

    /** What the prompt says in place of a missing AI response. */
    public static final String NO_RESPONSE = "None";

    /** Default cap on each side's length: about 4,000 Llama-3 tokens of English. */
    public static final int DEFAULT_MAX_CHARS_PER_SIDE = 16_000;

    /** The two layouts the model was trained with. */
    public enum Layout {
        /** The model card's: instruction, then {@code Human user:} right after its newline. */
        MODEL_CARD(INSTRUCTION),
        /** The authors' evaluation scripts': one blank line between the instruction and {@code Human user:}. */
        EVALUATION(INSTRUCTION + "\n");

        private final String prefix;

        Layout(String prefix) {
            this.prefix = prefix;
        }

        /** Everything before {@code Human user:}, identical on every call, so a backend may cache its state. */
        public String prefix() {
            return prefix;
        }
    }

    /** Room kept for the cut marker, which is at most 40 characters long. */
    private static final int MARKER_ROOM = 40;

    private final Layout layout;
    private final int maxCharsPerSide;

    private GuardPrompt(Layout layout, int maxCharsPerSide) {
        this.layout = Objects.requireNonNull(layout, "layout");
        if (maxCharsPerSide < 64) {
            throw new IllegalArgumentException("maxCharsPerSide must be at least 64, was " + maxCharsPerSide);
        }
        this.maxCharsPerSide = maxCharsPerSide;
    }

    /** The model card's layout with the default length cap. */
    public static GuardPrompt modelCard() {
        return new GuardPrompt(Layout.MODEL_CARD, DEFAULT_MAX_CHARS_PER_SIDE);
    }

    /** The authors' evaluation layout with the default length cap. */
    public static GuardPrompt evaluation() {
        return new GuardPrompt(Layout.EVALUATION, DEFAULT_MAX_CHARS_PER_SIDE);
    }

    /** A prompt builder with the given layout and per-side length cap. */
    public static GuardPrompt of(Layout layout, int maxCharsPerSide) {
        return new GuardPrompt(layout, maxCharsPerSide);
    }

    public Layout layout() {
        return layout;
    }

    public int maxCharsPerSide() {
        return maxCharsPerSide;
    }

    /** The instruction part, the same for every exchange. */
    public String prefix() {
        return layout.prefix();
    }

    /** The full model input for an exchange. */
    public String render(Exchange exchange) {
        return renderDetailed(exchange).text();
    }

    /**
     * A rendered prompt and how many special-token strings were neutralized in each side.
     *
     * @param text                  the full model input, as {@link #render} returns it
     * @param neutralizedInRequest  special-token strings found in the request (after sanitizing, before any cut)
     * @param neutralizedInResponse the same for the response; 0 when there is none
     */
    public record Rendered(String text, int neutralizedInRequest, int neutralizedInResponse) {

        public Rendered {
            Objects.requireNonNull(text, "text");
        }

        /** Special-token strings neutralized on both sides together. */
        public int neutralized() {
            return neutralizedInRequest + neutralizedInResponse;
        }
    }

    /** The full model input for an exchange, with the number of special-token strings neutralized per side. */
    public Rendered renderDetailed(Exchange exchange) {
        Side request = cleanSide(exchange.request());
        Side response = exchange.response().map(this::cleanSide).orElse(new Side(NO_RESPONSE, 0));
        String text = layout.prefix() + HUMAN_MARKER + request.text() + ASSISTANT_MARKER + response.text() + "\n\n";
        return new Rendered(text, request.neutralized(), response.neutralized());
    }

    /**
     * Recovers the exchange from a prompt in either layout: the inverse of {@link #render} for texts that do not
     * themselves contain the template's markers or special-token strings. Empty when {@code prompt} is not a
     * GuardReasoner prompt. A response of exactly {@code None} reads as no response.
     */
    public static java.util.Optional<Exchange> parse(String prompt) {
        if (prompt == null) return java.util.Optional.empty();
        int human = prompt.indexOf(HUMAN_MARKER);
        if (human < 0) return java.util.Optional.empty();
        int requestStart = human + HUMAN_MARKER.length();
        int assistant = prompt.lastIndexOf(ASSISTANT_MARKER);
        if (assistant < requestStart || !prompt.endsWith("\n\n")) return java.util.Optional.empty();
        String request = prompt.substring(requestStart, assistant);
        String response = prompt.substring(assistant + ASSISTANT_MARKER.length(), prompt.length() - 2);
        return java.util.Optional.of(NO_RESPONSE.equals(response)
                ? Exchange.request(request) : Exchange.of(request, response));
    }

    /**
     * Makes one side's text safe to embed: valid UTF-16, no control characters but tab, newline, carriage return and
     * form feed, CR LF as LF, no line that poses as a template marker, no special-token string, and at most
     * {@link #maxCharsPerSide()} characters, keeping two thirds from the head and one third from the tail.
     */
    public String clean(String text) {
        return cleanSide(text).text();
    }

    /** One side after cleaning, and how many special-token strings it had. */
    private record Side(String text, int neutralized) {
    }

    private Side cleanSide(String text) {
        // Neutralize after sanitizing, so that removing a control character cannot complete a token afterwards.
        Llama3SpecialTokens.Neutralized safe = Llama3SpecialTokens.neutralize(neutralizeMarkers(sanitize(text)));
        String s = safe.text();
        if (s.length() <= maxCharsPerSide) return new Side(s, safe.count());
        int keep = maxCharsPerSide - MARKER_ROOM;
        int head = safeSplit(s, keep * 2 / 3);
        int tail = safeSplit(s, s.length() - (keep - head));
        String cut = s.substring(0, head) + "\n[... " + (tail - head) + " characters cut ...]\n" + s.substring(tail);
        // The marker's newlines keep head and tail apart, so this finds nothing; it is cheap insurance.
        Llama3SpecialTokens.Neutralized again = Llama3SpecialTokens.neutralize(cut);
        return new Side(again.text(), safe.count() + again.count());
    }

    /**
     * Moves a cut index back so that it splits no surrogate pair and does not part a {@code <|} from the mark after
     * it. A tail that starts up to two characters earlier still fits: the cut marker leaves three spare.
     */
    private static int safeSplit(String s, int index) {
        if (index <= 0 || index >= s.length()) return index;
        if (Character.isLowSurrogate(s.charAt(index))) return index - 1;
        if (s.charAt(index) == Llama3SpecialTokens.MARK && s.startsWith("<|", index - 2)) return index - 2;
        if (s.charAt(index) == '|' && s.charAt(index - 1) == '<' && index + 1 < s.length()
                && s.charAt(index + 1) == Llama3SpecialTokens.MARK) return index - 1;
        return index;
    }

    /** Keeps a side from imitating the template: "AI assistant:" at a line start becomes "AI assistant :". */
    static String neutralizeMarkers(String text) {
        if (!text.contains("Human user:") && !text.contains("AI assistant:")) return text;
        return MARKER_AT_LINE_START.matcher(text).replaceAll("$1$2$3 :");
    }

    private static final java.util.regex.Pattern MARKER_AT_LINE_START =
            java.util.regex.Pattern.compile("(^|\\n)([ \\t]*)(Human user|AI assistant):");

    /** Controls that occur in real text and in the model's training data; every other C0 control is removed. */
    private static final String KEPT_CONTROLS = "\t\n\r\f";

    static String sanitize(String text) {
        StringBuilder out = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            String replacement = null;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    if (out != null) out.append(c).append(text.charAt(i + 1));
                    i++;
                    continue;
                }
                replacement = "\uFFFD";
            } else if (Character.isLowSurrogate(c)) {
                replacement = "\uFFFD";
            } else if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                replacement = ""; // CR LF becomes LF: the same text typed on Windows gives the same prompt
            } else if ((c < 0x20 && !KEPT_CONTROLS.contains(String.valueOf(c))) || c == 0x7F) {
                replacement = "";
            }
            if (replacement != null) {
                if (out == null) out = new StringBuilder(n).append(text, 0, i);
                out.append(replacement);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
