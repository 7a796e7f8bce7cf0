package io.guardreasoner.test;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the published GuardReasoner outputs ({@code ../shared/guardreasoner-outputs}) for tests, which skip when
 * the folder is absent (and fail under {@code CI=true}: see {@link Prerequisites}). The folder comes from the system property {@value #SHARED_DIR_PROPERTY}.
 */
public final class PublishedOutputs {

    /** The system property that names the shared folder; the build sets it to {@code <repo>/../shared}. */
    public static final String SHARED_DIR_PROPERTY = "guardreasoner.shared.dir";

    /** The file each benchmark folder holds. */
    public static final String FILE_NAME = "generated_predictions.jsonl";

    private PublishedOutputs() {
    }

    /** The {@code guardreasoner-outputs} folder, when the property is set and the folder exists. */
    public static Optional<Path> dir() {
        String shared = System.getProperty(SHARED_DIR_PROPERTY);
        if (shared == null || shared.isBlank()) return Optional.empty();
        Path dir = Path.of(shared).resolve("guardreasoner-outputs");
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    /**
     * The file of one benchmark, e.g. {@code benchmark("3B", "HarmBenchPrompt")}; when it is not there, the calling
     * test is skipped with a message saying what is missing (failed under {@code CI=true}).
     */
    public static Path assumeBenchmark(String model, String benchmark) {
        Optional<Path> dir = dir();
        Prerequisites.require(dir.isPresent(), () -> "published GuardReasoner outputs not found: set -D"
                + SHARED_DIR_PROPERTY + " to a folder holding guardreasoner-outputs/ (the build sets ../shared)");
        Path file = dir.get().resolve(model).resolve(benchmark).resolve(FILE_NAME);
        Prerequisites.require(Files.isRegularFile(file), () -> "no published outputs at " + file);
        return file;
    }

    /** Every benchmark file under the folder, sorted; empty when the folder is absent. */
    public static List<Path> all() {
        Optional<Path> dir = dir();
        if (dir.isEmpty()) return List.of();
        try (Stream<Path> files = Files.walk(dir.get(), 3)) {
            return files.filter(p -> p.getFileName().toString().equals(FILE_NAME)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir.get() + ": " + e.getMessage(), e);
        }
    }
}
