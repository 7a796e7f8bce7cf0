package io.guardreasoner.test.bench;

/** Counts the Llama-3 tokens of a text, as a benchmark sizes its texts and forced generation lengths. */
@FunctionalInterface
public interface TokenCounter {

    /** The number of tokens of {@code text}, with one {@code <|begin_of_text|>} in front when asked. */
    int count(String text, boolean withBeginOfText);
}
