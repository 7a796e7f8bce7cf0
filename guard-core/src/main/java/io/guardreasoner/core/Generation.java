package io.guardreasoner.core;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a backend generated.
 *
 * @param text             the generated text, without the prompt and without a stop sequence that ended it
 * @param promptTokens     tokens in the prompt, when the backend knows
 * @param generatedTokens  tokens generated, when the backend knows
 * @param finishReason     why generation ended
 */
public record Generation(String text, OptionalInt promptTokens, OptionalInt generatedTokens, FinishReason finishReason) {

    public Generation {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(generatedTokens, "generatedTokens");
        Objects.requireNonNull(finishReason, "finishReason");
    }

    /** A generation with known token counts. */
    public static Generation of(String text, int promptTokens, int generatedTokens, FinishReason reason) {
        return new Generation(text, OptionalInt.of(promptTokens), OptionalInt.of(generatedTokens), reason);
    }

    /** A generation whose token counts are unknown. */
    public static Generation of(String text, FinishReason reason) {
        return new Generation(text, OptionalInt.empty(), OptionalInt.empty(), reason);
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
