package io.guardreasoner.cli.bench;

import io.guardreasoner.jlama.JlamaBackend;
import io.guardreasoner.jlama.JlamaBench;
import io.guardreasoner.llamacpp.GgufType;
import io.guardreasoner.llamacpp.LlamaCppBench;
import io.guardreasoner.test.bench.BenchBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The backends {@code bench --backends} can run, by name, in the order their tables appear. Each one is opened from its
 * artifact's {@code bench} jar on the bench's random-weight model folder, as the library runs it by default; a backend
 * whose bench jar is not a dependency of guard-cli yet is registered without an opener and refused when asked for.
 */
public final class BenchBackends {

    /** Opens a backend on the bench's model folder (BF16 safetensors), with the library's defaults. */
    @FunctionalInterface
    public interface Opener {
        /**
         * @param modelDir the random-weight model folder (config.json, tokenizer.json, BF16 safetensors)
         * @param cacheDir where the backend keeps what it derives from the model once (a Q4 copy, a GGUF)
         * @param threads  compute threads, the same for every backend of a run
         * @param slots    checks the backend may run at once (the guard's {@code maxConcurrent})
         */
        BenchBackend open(Path modelDir, Path cacheDir, int threads, int slots);
    }

    /** A backend the bench knows; {@code opener} is empty while its artifact's bench jar is not on the class path. */
    public record Entry(String name, String artifact, Optional<Opener> opener) {
        public boolean available() {
            return opener.isPresent();
        }
    }

    /**
     * Every backend, one registration each. Jlama runs with the library's defaults (pre-quantized Q4, 8-bit
     * activations, the instruction's KV state reused, the last {@value JlamaBackend#DEFAULT_KV_CACHE_ENTRIES}
     * sequences' KV state kept); its naive configuration is Jlama's own comparison, run by {@link Bench}. llama.cpp runs
     * the same weights converted once to {@code q4_0} (the output projection stays 8-bit, as llama.cpp's own
     * conversions do), with a slot per concurrent check and its prompt cache.
     */
    private static final List<Entry> ALL = List.of(
            new Entry("jlama", "guard-jlama", Optional.of((modelDir, cacheDir, threads, slots) ->
                    JlamaBench.open(modelDir, cacheDir, threads, false, JlamaBackend.DEFAULT_KV_CACHE_ENTRIES))),
            new Entry("llamacpp", "guard-llamacpp", Optional.of((modelDir, cacheDir, threads, slots) ->
                    LlamaCppBench.open(modelDir, cacheDir, GgufType.Q4_0, threads, slots))));

    private BenchBackends() {
    }

    /** Every registered backend, available or not. */
    public static List<Entry> all() {
        return ALL;
    }

    /** The names of every registered backend, comma-separated: the default of {@code --backends}. */
    public static String names() {
        return names(ALL);
    }

    private static String names(List<Entry> registry) {
        return registry.stream().map(Entry::name).collect(Collectors.joining(","));
    }

    /**
     * The backends named in {@code list} (comma-separated, any case), in the registry's order.
     *
     * @throws IllegalArgumentException for an unknown name, an empty list, or a backend whose bench jar is not on
     *                                  the class path
     */
    public static List<Entry> select(String list) {
        return select(list, ALL);
    }

    /** {@link #select(String)} from {@code registry}. */
    static List<Entry> select(String list, List<Entry> registry) {
        Set<String> wanted = new LinkedHashSet<>();
        for (String name : list.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.isEmpty()) continue;
            if (registry.stream().noneMatch(e -> e.name().equals(n))) {
                throw new IllegalArgumentException("unknown backend '" + name.trim() + "' in --backends: use "
                        + names(registry).replace(",", " or "));
            }
            wanted.add(n);
        }
        if (wanted.isEmpty()) throw new IllegalArgumentException("--backends names no backend: use " + names(registry));
        List<Entry> selected = new ArrayList<>();
        for (Entry e : registry) {
            if (!wanted.contains(e.name())) continue;
            if (!e.available()) {
                throw new IllegalArgumentException(e.artifact() + " is not on the class path: this guard-cli cannot "
                        + "run --backends " + e.name() + " (it needs " + e.artifact() + "'s bench jar); leave "
                        + e.name() + " out of --backends");
            }
            selected.add(e);
        }
        return selected;
    }

    /** The backends a run without {@code --backends} measures: every one whose bench jar is on the class path. */
    public static List<Entry> availableByDefault() {
        return ALL.stream().filter(Entry::available).toList();
    }

    /** The registered backends a run without {@code --backends} leaves out, because their bench jar is missing. */
    public static List<Entry> missing() {
        return ALL.stream().filter(e -> !e.available()).toList();
    }
}
