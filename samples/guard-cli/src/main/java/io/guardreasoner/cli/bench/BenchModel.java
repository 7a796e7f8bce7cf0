package io.guardreasoner.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.test.model.LlamaModelWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;

/** The random-weight model a benchmark runs: a Llama-3.2 shape, possibly with fewer layers, written once into a folder. */
public final class BenchModel {

    /** Model shapes the benchmark knows. */
    public enum Shape {
        /** Llama-3.2-3B: GuardReasoner-3B. */
        LLAMA_3B("3b"),
        /** Llama-3.2-1B: GuardReasoner-1B. */
        LLAMA_1B("1b"),
        /** A tiny model for tests of the benchmark itself. */
        TINY("tiny");

        private final String label;

        Shape(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The shape named {@code 3b}, {@code 1b} or {@code tiny}. */
        public static Shape of(String label) {
            for (Shape s : values()) if (s.label.equalsIgnoreCase(label)) return s;
            throw new IllegalArgumentException("unknown shape '" + label + "': use 3b, 1b or tiny");
        }

        LlamaModelWriter.Builder writer() {
            return switch (this) {
                case LLAMA_3B -> LlamaModelWriter.llama32_3B();
                case LLAMA_1B -> LlamaModelWriter.llama32_1B();
                // Big enough for 8-bit activations at AVX-512 width; 1,024 positions hold a whole check.
                case TINY -> LlamaModelWriter.builder().hiddenSize(256).heads(4).kvHeads(2).intermediateSize(512)
                        .layers(2).vocabSize(1_024).maxPositionEmbeddings(2_048).tieEmbeddings(true)
                        .llama3RopeScaling(true).dtype(LlamaModelWriter.DType.BF16);
            };
        }

        /** The shape's own layer count. */
        public int defaultLayers() {
            return writer().build().layers();
        }
    }

    private static final String COMPLETE = ".bench-complete";

    private final Shape shape;
    private final int layers;
    private final LlamaModelWriter writer;
    private final Path dir;

    public BenchModel(Shape shape, int layers, Path workDir) {
        this.shape = shape;
        this.layers = layers > 0 ? layers : shape.defaultLayers();
        this.writer = shape.writer().layers(this.layers).build();
        this.dir = workDir.resolve(shape.label() + "-" + this.layers + "L");
    }

    public Shape shape() {
        return shape;
    }

    public int layers() {
        return layers;
    }

    public Path dir() {
        return dir;
    }

    /** Bytes of stored (BF16) weights. */
    public long storedWeightBytes() {
        return writer.weightBytes();
    }

    /**
     * Writes the model unless a complete copy is already there; with a Llama-3 tokenizer.json the model reads real
     * Llama-3 token ids (same vocabulary size and special ids as the written one). Returns whether it wrote.
     */
    public boolean ensureWritten(Path tokenizerJson) {
        if (Files.exists(dir.resolve(COMPLETE))) return false;
        writer.write(dir);
        try {
            if (tokenizerJson != null && shape != Shape.TINY) {
                Files.copy(tokenizerJson, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(dir.resolve(COMPLETE), shape.label() + " " + layers + " layers\n");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot finish the model in " + dir + ": " + e.getMessage(), e);
        }
        return true;
    }

    /** Deletes the model folder. */
    public void delete() {
        deleteTree(dir);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
