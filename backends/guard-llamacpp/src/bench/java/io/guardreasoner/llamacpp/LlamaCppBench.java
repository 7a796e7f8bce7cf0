package io.guardreasoner.llamacpp;

import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.test.bench.BenchBackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * llama.cpp under benchmark: generating through end-of-text so that random weights write exactly the forced number of
 * tokens, with the prompt-cache and timing figures only a benchmark asks for. Ships in guard-llamacpp's {@code bench}
 * jar only.
 */
public final class LlamaCppBench {

    private LlamaCppBench() {
    }

    /**
     * Loads a model for benchmarking.
     *
     * @param model    a Hugging Face Llama folder (converted once into {@code cacheDir} as {@code type}) or a GGUF file
     *                 ({@code type} then unused)
     * @param cacheDir where a folder's conversion goes
     * @param threads  llama.cpp's compute threads; 0 for the default (the available processors)
     * @param slots    checks decoded together
     */
    public static BenchBackend open(Path model, Path cacheDir, GgufType type, int threads, int slots) {
        LlamaCppBackend.Builder builder = LlamaCppBackend.builder().slots(slots).ignoreEndOfText(true);
        if (Files.isDirectory(model)) builder.modelDir(model).cacheDir(cacheDir).type(type);
        else builder.ggufFile(model);
        if (threads > 0) builder.threads(threads);
        LlamaCppBackend backend = builder.build();
        return new BenchBackend() {
            @Override
            public GuardBackend backend() {
                return backend;
            }

            @Override
            public int countTokens(String text) {
                return backend.countTokens(text);
            }

            @Override
            public String setup() {
                return backend.describeSetup() + "; " + backend.cpuFeatures(); // describeSetup names the build
            }

            @Override
            public long weightBytesPerToken() {
                return LlamaCppBench.weightBytesPerToken(backend.ggufFile());
            }

            @Override
            public int cachedPrefixTokens() {
                return backend.countTokens(GuardPrompt.INSTRUCTION);
            }

            @Override
            public OptionalLong promptPositionsComputed() {
                return OptionalLong.of(backend.stats().evaluatedPromptTokens());
            }

            @Override
            public void close() {
                backend.close();
            }
        };
    }

    /**
     * About the weight bytes one decode step reads: the GGUF's size (its metadata, the tokenizer included, is a few MB
     * of it; tied embeddings are read once, as the output projection).
     */
    static long weightBytesPerToken(Path gguf) {
        try {
            return Files.size(gguf);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + gguf + ": " + e.getMessage(), e);
        }
    }
}
