package io.guardreasoner.llamacpp;

import io.guardreasoner.test.model.LlamaModelWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Small random-weight Llama models for the tests, written once per JVM into one temporary folder and converted to
 * GGUF on demand. Their weights are larger than a fresh model's (weightScale), so that greedy decoding has clear
 * winners and the generated text varies.
 */
final class TestModels {

    private static final Path ROOT;
    private static final Map<String, Path> CACHE = new ConcurrentHashMap<>();

    static {
        try {
            ROOT = Files.createTempDirectory("guard-llamacpp-tests-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(ROOT)));
    }

    private TestModels() {
    }

    /**
     * Llama-3.2's config features at a small size: GQA (8 query, 2 KV heads), rope_theta 500000, llama3 rope_scaling,
     * tied embeddings, float32, a 4096-token context.
     */
    static LlamaModelWriter.Builder llama32Like() {
        return LlamaModelWriter.builder().hiddenSize(256).layers(2).heads(8).kvHeads(2).intermediateSize(512)
                .vocabSize(512).maxPositionEmbeddings(4096).ropeTheta(500_000).llama3RopeScaling(true)
                .tieEmbeddings(true).dtype(LlamaModelWriter.DType.F32).weightScale(0.1);
    }

    /** The default test model's folder (seed 11). */
    static Path modelDir() {
        return folder("llama32like-seed11", llama32Like().seed(11));
    }

    /** A model folder written once per name. */
    static Path folder(String name, LlamaModelWriter.Builder builder) {
        return CACHE.computeIfAbsent("dir:" + name, k -> builder.build().write(ROOT.resolve(name)));
    }

    /** The default model converted to {@code type}, once. */
    static Path gguf(GgufType type) {
        return gguf(modelDir(), type);
    }

    static Path gguf(Path modelDir, GgufType type) {
        return CACHE.computeIfAbsent("gguf:" + modelDir + ":" + type, k -> GgufConverter.builder().type(type).build()
                .convert(modelDir, ROOT.resolve(modelDir.getFileName() + "." + type.fileSuffix() + ".gguf")));
    }

    /** A fresh folder for one test's files. */
    static Path scratch(String name) {
        try {
            return Files.createDirectories(ROOT.resolve("scratch").resolve(name + "-" + System.nanoTime()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temporary files; the OS cleans up eventually
        }
    }
}
