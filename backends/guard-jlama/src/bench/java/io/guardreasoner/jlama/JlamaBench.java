package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.test.bench.BenchBackend;
import io.guardreasoner.test.bench.TokenCounter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Jlama under benchmark: the library's defaults or the naive configuration, generating through end-of-text so
 * that random weights write exactly the forced number of tokens. Ships in guard-jlama's {@code bench} jar only.
 */
public final class JlamaBench {

    private JlamaBench() {
    }

    /**
     * Loads the model in {@code modelDir} for benchmarking, keeping no recent sequence's KV state: a benchmark repeats
     * one prompt, which would otherwise be computed only once, unlike a real turn's new request.
     *
     * @param naive BF16 weights with Jlama's runtime Q4, float activations and logits, no prefix reuse; otherwise the
     *              library's defaults (pre-quantized Q4, 8-bit activations and logits, prefix reuse)
     */
    public static BenchBackend open(Path modelDir, Path cacheDir, int threads, boolean naive) {
        return open(modelDir, cacheDir, threads, naive, 0);
    }

    /**
     * Loads the model in {@code modelDir} for benchmarking, keeping the KV state of up to {@code kvCacheEntries}
     * recent sequences (the library's default is {@value JlamaBackend#DEFAULT_KV_CACHE_ENTRIES}), to measure reuse
     * across a turn's rails, resume and prefill with {@link BenchBackend#promptPositionsComputed()}.
     */
    public static BenchBackend open(Path modelDir, Path cacheDir, int threads, boolean naive, int kvCacheEntries) {
        JlamaBackend.Builder builder = JlamaBackend.builder().modelDir(modelDir).cacheDir(cacheDir).ignoreEndOfText(true)
                .kvCacheEntries(kvCacheEntries);
        if (naive) {
            builder.quantization(JlamaBackend.Quantization.RUNTIME_Q4).prefixReuse(false).quantizedLogits(false);
        }
        if (threads > 0) builder.threads(threads);
        JlamaBackend backend = builder.build();
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
                return backend.describeSetup();
            }

            @Override
            public long weightBytesPerToken() {
                return JlamaBench.weightBytesPerToken(backend.loadedDir());
            }

            @Override
            public int cachedPrefixTokens() {
                return backend.cachedPrefixTokens();
            }

            @Override
            public OptionalLong promptPositionsComputed() {
                return OptionalLong.of(backend.prefilledPositions());
            }

            @Override
            public void close() {
                backend.close();
            }
        };
    }

    /** Counts tokens with the Llama-3 tokenizer in {@code tokenizerJson}, exactly as Hugging Face would. */
    public static TokenCounter llama3Tokens(Path tokenizerJson) {
        Llama3Tokenizer tokenizer = Llama3Tokenizer.load(tokenizerJson);
        return (text, withBeginOfText) -> tokenizer.encode(text, withBeginOfText).length;
    }

    /** Which Jlama kernels run: the native SIMD library (jlama-native) or the Java Vector API. */
    public static String kernels() {
        return JlamaRuntime.kernels();
    }

    /** Jlama's JVM-wide compute threads (sizing the pool first when nothing did yet). */
    public static int threads(int wanted) {
        JlamaRuntime.useThreads(wanted);
        return JlamaRuntime.threads();
    }

    /**
     * The weight bytes one decode step reads from a model folder's safetensors: every tensor, except the input
     * embeddings when the output projection has its own matrix (a step reads one embedding row then).
     */
    static long weightBytesPerToken(Path modelFolder) {
        try (Stream<Path> files = Files.list(modelFolder)) {
            long total = 0;
            boolean separateHead = false;
            long embeddings = 0;
            List<Path> weights = files.filter(p -> p.toString().endsWith(".safetensors")).toList();
            for (Path file : weights) {
                JsonNode header = ModelDirectory.readSafetensorsHeader(file);
                for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode offsets = e.getValue().path("data_offsets");
                    if (!offsets.isArray()) continue;
                    long size = offsets.get(1).asLong() - offsets.get(0).asLong();
                    total += size;
                    if (e.getKey().startsWith("lm_head.")) separateHead = true;
                    if (e.getKey().startsWith("model.embed_tokens.")) embeddings += size;
                }
            }
            return separateHead ? total - embeddings : total;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the weights in " + modelFolder + ": " + e.getMessage(), e);
        }
    }
}
