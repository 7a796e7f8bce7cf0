package io.guardreasoner.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a backend generated.
 *
 * @param text             the generated text, without the prompt and without a stop sequence that ended it
 * @param promptTokens     tokens in the prompt, when the backend knows
 * @param generatedTokens  tokens generated, when the backend knows
 * @param finishReason     why generation ended
 * @param cut              the generated text a stop sequence cut off (the stop sequence and what followed it in
 *                         the same token), so that {@code text + cut} is all the model wrote; empty when nothing was
 *                         cut or the backend cannot tell
 * @param tokens           the generated tokens with their probabilities, when they were asked for and the backend
 *                         reports them; empty otherwise, never a guess
 */
public record Generation(String text, OptionalInt promptTokens, OptionalInt generatedTokens, FinishReason finishReason,
                         String cut, List<GeneratedToken> tokens) {

    public Generation {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(generatedTokens, "generatedTokens");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(cut, "cut");
        tokens = List.copyOf(Objects.requireNonNull(tokens, "tokens"));
    }

    /** A generation with no cut text and no token probabilities. */
    public Generation(String text, OptionalInt promptTokens, OptionalInt generatedTokens, FinishReason finishReason) {
        this(text, promptTokens, generatedTokens, finishReason, "", List.of());
    }

    /** A generation with known token counts. */
    public static Generation of(String text, int promptTokens, int generatedTokens, FinishReason reason) {
        return new Generation(text, OptionalInt.of(promptTokens), OptionalInt.of(generatedTokens), reason);
    }

    /** A generation whose token counts are unknown. */
    public static Generation of(String text, FinishReason reason) {
        return new Generation(text, OptionalInt.empty(), OptionalInt.empty(), reason);
    }

    /** Everything the model wrote: the text and what a stop sequence cut off. */
    public String written() {
        return text + cut;
    }

    /**
     * This generation continued by {@code next}, which went on from {@link #written()}: the texts joined, the
     * generated tokens added up, and {@code next}'s finish reason and cut. The prompt tokens stay this one's.
     * The token probabilities are both parts' when this one's spell all it wrote; otherwise (a server that reports
     * none for the stop sequence it stopped on) only this one's, since {@code next}'s would stand at the wrong place.
     */
    public Generation followedBy(Generation next) {
        OptionalInt generated = generatedTokens.isPresent() && next.generatedTokens.isPresent()
                ? OptionalInt.of(generatedTokens.getAsInt() + next.generatedTokens.getAsInt()) : OptionalInt.empty();
        List<GeneratedToken> all = new ArrayList<>(tokens);
        all.addAll(next.tokens);
        return new Generation(written() + next.text, promptTokens, generated, next.finishReason, next.cut,
                spell(tokens, written()) && !next.tokens.isEmpty() ? all : tokens);
    }

    private static boolean spell(List<GeneratedToken> tokens, String text) {
        StringBuilder spelled = new StringBuilder(text.length());
        for (GeneratedToken token : tokens) spelled.append(token.text());
        return !tokens.isEmpty() && spelled.toString().equals(text);
    }

    /** Why generation ended. */
    public enum FinishReason {
        /** The model emitted its end-of-text token. */
        END_OF_TEXT,
        /** A stop sequence appeared. */
        STOP_SEQUENCE,
        /** The token limit was reached. */
        LENGTH,
        /** The backend did not say. */
        UNKNOWN
    }
}
