package io.guardreasoner.core.internal;

/** Llama-3's pre-tokenizer, as its {@code tokenizer.json} writes it: one copy for the tokenizer and the model writer. */
public final class Llama3Pretokenizer {

    /** The Split regex of Llama-3's {@code tokenizer.json}, character for character. */
    public static final String SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private Llama3Pretokenizer() {
    }
}
