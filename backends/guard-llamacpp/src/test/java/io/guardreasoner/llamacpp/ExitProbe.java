package io.guardreasoner.llamacpp;

import io.guardreasoner.core.GenerationOptions;

import java.nio.file.Path;

/** Run in a child JVM by {@link LlamaCppBackendTest}: loads a model, generates, and returns from main. */
public final class ExitProbe {

    public static void main(String[] args) {
        LlamaCppBackend backend = LlamaCppBackend.builder().ggufFile(Path.of(args[0])).slots(2).contextTokens(256)
                .warmUpPrefix("").ignoreEndOfText(true).build();
        int n = backend.generate("Hello", GenerationOptions.maxTokens(4)).generatedTokens().orElse(-1);
        System.out.println("generated " + n + " tokens");
        if (args[1].equals("close")) backend.close();
    }
}
