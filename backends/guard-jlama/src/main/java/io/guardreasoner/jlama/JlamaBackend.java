package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.DType;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.internal.Exceptions;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * GuardReasoner in-process on the CPU with Jlama: raw completion, greedy decoding, KV states reused across checks.
 *
 * <p>The model comes from a local directory ({@link Builder#modelDir}) or from Hugging Face into a cache folder
 * ({@link Builder#model}, default {@value #DEFAULT_MODEL}); nothing is downloaded when the files are there. By
 * default BF16/F32 weights are pre-quantized to Q4 once into the cache folder and run with 8-bit activations, the
 * KV state of the GuardReasoner instruction is computed once and copied into every verdict, and the output projection
 * runs with 8-bit activations; each can be switched off. The model reads Llama-3's token ids and llama3 RoPE, which
 * Jlama 0.8.4 on its own gets wrong, and reads prompts as plain text: a special token's string in a request or a
 * response is ordinary characters, never the token.
 *
 * <p>The KV states of the last few token sequences ({@link Builder#kvCacheEntries}) stay in memory, so that a prompt
 * sharing leading tokens with one of them computes only the rest: the output rail after the input rail of the same
 * turn, a {@link #resume} after an early stop (which goes on from the stopped generation's own tokens, so the text is
 * the same as one generation's token for token), a {@link #prefill} while an answer streams in. Reuse never changes
 * the tokens generated. No {@code *.page} file is written. Calls on one backend run one at a time, in arrival order.
 *
 * <pre>{@code
 * GuardBackend backend = JlamaBackend.builder().modelDir(Path.of("models/GuardReasoner-3B")).build();
 * }</pre>
 */
public final class JlamaBackend implements GuardBackend {

    /** The model used when neither a directory nor another id is given. */
    public static final String DEFAULT_MODEL = "yueliu1999/GuardReasoner-3B";

    /** Recent token sequences whose KV state is kept by default: a turn's two rails, a resume, a prefill. */
    public static final int DEFAULT_KV_CACHE_ENTRIES = 4;

    /** Context budget used when the model allows more: GuardPrompt's longest prompt plus a full verdict fit. */
    public static final int DEFAULT_MAX_CONTEXT_TOKENS = 12_288;

    private static final System.Logger LOG = System.getLogger(JlamaBackend.class.getName());

    /** How the weights are quantized. */
    public enum Quantization {
        /** Weights as stored (BF16/F32), activations in the working type. Slowest; the exact reference. */
        NONE,
        /**
         * Jlama quantizes to Q4 at every load, with float activations; Jlama 0.8.4 leaves part of each layer
         * unquantized. The naive configuration, for comparison.
         */
        RUNTIME_Q4,
        /** All matrices are quantized to Q4 once into the cache folder and loaded from there; 8-bit activations. */
        PRE_QUANTIZED_Q4
    }

    private final ResolvedModel resolved;
    private final AbstractModel model;
    private final JlamaDecoder decoder;
    private final Path workingDir;
    private final int maxContextTokens;
    private final String activationType;
    private final int kvCacheEntries;
    private final ReentrantLock lock = new ReentrantLock(true);
    private volatile boolean closed;

    private JlamaBackend(Builder b) {
        JlamaRuntime.requireVectorModule();
        JlamaRuntime.useThreads(b.threads);
        JlamaInternals.warnOnOtherVersion();
        Path cacheDir = b.cacheDir != null ? b.cacheDir : ResolvedModel.defaultCacheDir();
        this.resolved = ResolvedModel.resolve(b.modelDir, b.model, b.modelId, cacheDir,
                Optional.ofNullable(b.authToken), b.quantization);
        try {
            this.workingDir = Files.createTempDirectory("guardreasoner-jlama-");
            workingDir.toFile().deleteOnExit(); // stays empty, so this removes it even if close() is never called
        } catch (IOException e) {
            throw new GuardBackendException("Cannot create a working folder for Jlama: " + e.getMessage(), e);
        }
        long start = System.nanoTime();
        try {
            this.model = b.loader.load(resolved.loadedDir(), DType.F32, resolved.activations(),
                    resolved.loadTimeQuant(), Optional.of(workingDir));
        } catch (RuntimeException | LinkageError e) {
            Q4PreQuantizer.deleteQuietly(workingDir);
            throw new GuardBackendException("Jlama could not load the model in " + resolved.loadedDir() + ": "
                    + Exceptions.describe(e), e);
        }
        this.kvCacheEntries = b.kvCacheEntries;
        this.maxContextTokens = Math.min(b.maxContextTokens > 0 ? b.maxContextTokens : DEFAULT_MAX_CONTEXT_TOKENS,
                model.getConfig().contextLength);
        this.activationType = JlamaInternals.activationType(model);
        if (resolved.activations() == DType.I8 && !activationType.equals("I8")) {
            LOG.log(System.Logger.Level.INFO, "Jlama runs this model with {0} activations: its hidden and intermediate "
                    + "sizes are too small for 8-bit activations at this CPU vector width", activationType);
        }
        try {
            // Once per model, at load: the first verdict should not pay for the instruction either.
            this.decoder = new JlamaDecoder(model, maxContextTokens, b.quantizedLogits,
                    b.prefixReuse ? b.reusablePrefix : "", b.kvCacheEntries, b.ignoreEndOfText);
        } catch (RuntimeException e) {
            closeModel();
            throw new GuardBackendException("Jlama could not run the model in " + resolved.loadedDir() + ": "
                    + Exceptions.describe(e), e);
        }
        LOG.log(System.Logger.Level.INFO, "Loaded {0} from {1} in {2} ms: {3}", resolved.modelId(),
                resolved.loadedDir(), String.valueOf((System.nanoTime() - start) / 1_000_000), describeSetup());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        return call(options, () -> decoder.generate(prompt, options));
    }

    /** Goes on from the stopped generation's own tokens and KV state when they are still kept (see the class doc). */
    @Override
    public Generation resume(String prompt, Generation stopped, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(stopped, "stopped");
        return call(options, () -> decoder.resume(prompt, stopped, options));
    }

    /**
     * Computes the KV state of {@code promptPrefix} now and keeps it, so that a check whose prompt starts with the
     * same tokens skips them. Waits for a running call; gives way to a waiting one after at most a few dozen tokens,
     * keeping what it computed. Never throws.
     */
    @Override
    public void prefill(String promptPrefix) {
        if (promptPrefix == null || closed) return;
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (!closed) decoder.prefill(promptPrefix, lock::hasQueuedThreads);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.DEBUG, "Prefill failed; the check computes it itself: {0}",
                    Exceptions.describe(e));
        } catch (Error e) {
            // Out of memory, most likely: the kept states are freed; a thrown error would stop the caller's prefills.
            LOG.log(System.Logger.Level.WARNING, "Prefill failed: {0}", Exceptions.describe(e));
        } finally {
            removePageFiles();
            lock.unlock();
        }
    }

    /** Runs {@code work} alone on the model, within the options' deadline. */
    private Generation call(GenerationOptions options, Supplier<Generation> work) {
        Objects.requireNonNull(options, "options");
        if (options.expired()) throw new GuardBackendException("the deadline passed before Jlama started");
        acquire(options);
        try {
            if (closed) throw new GuardBackendException("this JlamaBackend is closed");
            return work.get();
        } catch (GuardBackendException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GuardBackendException("Jlama inference failed: " + Exceptions.describe(e), e);
        } finally {
            removePageFiles();
            lock.unlock();
        }
    }

    private void acquire(GenerationOptions options) {
        try {
            long waitNanos = options.remaining(Duration.ofDays(365)).toNanos();
            if (!lock.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
                throw new GuardBackendException("the deadline passed while waiting for the Jlama model, which runs "
                        + "one verdict at a time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardBackendException("interrupted while waiting for the Jlama model", e);
        }
    }

    /** Jlama writes {@code <session>-L*C*.page} KV files into its working folder for sessions; none should stay. */
    private void removePageFiles() {
        try (DirectoryStream<Path> pages = Files.newDirectoryStream(workingDir, "*.page")) {
            for (Path p : pages) Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Could not clean Jlama page files in {0}: {1}", workingDir, e.getMessage());
        }
    }

    @Override
    public String modelId() {
        return resolved.modelId();
    }

    @Override
    public String name() {
        return "jlama";
    }

    @Override
    public Health health() {
        if (closed) return Health.down("closed");
        return Health.up(resolved.modelId() + " loaded from " + resolved.loadedDir() + ": " + describeSetup());
    }

    /** How the weights run. */
    public Quantization quantization() {
        return resolved.quantization();
    }

    /** The most tokens a prompt plus its generation may have. */
    public int maxContextTokens() {
        return maxContextTokens;
    }

    @Override
    public String toString() {
        return "JlamaBackend[" + resolved.modelId() + ", " + resolved.quantization() + "]";
    }

    // ------------------------------------------------------------ for tests and benchmarks in this package

    /** One line on how this model runs, for the log and benchmarks. */
    String describeSetup() {
        return model.getConfig().numberOfLayers + " layers, stored weights " + resolved.storedType() + ", quantization "
                + resolved.quantization() + ", activations " + activationType + ", 8-bit logits "
                + onOff(decoder != null && decoder.quantizedLogits()) + ", kernels " + JlamaRuntime.kernels() + ", "
                + JlamaRuntime.threads() + " threads, max context " + maxContextTokens + " tokens, prefix reuse "
                + onOff(decoder != null && decoder.cachedPrefixTokens() > 0) + ", KV cache " + kvCacheEntries
                + " sequences"
                + (decoder != null && decoder.ignoresEndOfText() ? ", end-of-text ignored (benchmark)" : "");
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    /** The folder the model was read from: the source, or its pre-quantized copy in the cache. */
    Path loadedDir() {
        return resolved.loadedDir();
    }

    /** The folder the model came from before any quantization. */
    Path sourceDir() {
        return resolved.sourceDir();
    }

    /** Jlama's folder for this model's files; it is deleted on {@link #close()}. */
    Path workingDir() {
        return workingDir;
    }

    /** The number of tokens the model reads for {@code prompt}, {@code <|begin_of_text|>} included. */
    int countTokens(String prompt) {
        return decoder.encode(prompt).length;
    }

    /** The token ids the model reads for {@code prompt}, {@code <|begin_of_text|>} first. */
    int[] encode(String prompt) {
        return decoder.encode(prompt);
    }

    /** The activation type of the matrix products: {@code I8} on the fast Q4 path. */
    String activationType() {
        return activationType;
    }

    /** Tokens of {@link Builder#reusablePrefix} whose KV state is cached (computed at load); 0 when reuse is off. */
    int cachedPrefixTokens() {
        lock.lock();
        try {
            return decoder.cachedPrefixTokens();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the output projection runs with 8-bit activations. */
    boolean quantizedLogits() {
        return decoder.quantizedLogits();
    }

    /** Positions run through the model in prompt passes so far: what KV reuse and prefill save shows here. */
    long prefilledPositions() {
        lock.lock();
        try {
            return decoder.prefilledPositions();
        } finally {
            lock.unlock();
        }
    }

    /** How many recent sequences keep their KV state now (at most {@link Builder#kvCacheEntries}). */
    int keptSequences() {
        lock.lock();
        try {
            return decoder.keptSequences();
        } finally {
            lock.unlock();
        }
    }

    /** Tests: sees the token ids of every prompt and prefilled prefix, as tokenized, before the model reads them. */
    void observePromptIds(Consumer<int[]> observer) {
        lock.lock();
        try {
            decoder.observePromptIds(observer);
        } finally {
            lock.unlock();
        }
    }

    /** Which Jlama kernels run: the native SIMD library (jlama-native) or the Java Vector API. */
    static String kernels() {
        return JlamaRuntime.kernels();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            decoder.close();
            closeModel();
        } finally {
            lock.unlock();
        }
    }

    private void closeModel() {
        model.close();
        try {
            model.getWeights().close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "Closing Jlama weights failed: {0}", e.getMessage());
        }
        Q4PreQuantizer.deleteQuietly(workingDir);
    }

    /** Builds a {@link JlamaBackend}; give {@link #modelDir} or {@link #model}, everything else has a default. */
    public static final class Builder {
        private Path modelDir;
        private String model;
        private String modelId;
        private Path cacheDir;
        private String authToken;
        private int threads;
        private int maxContextTokens;
        private Quantization quantization = Quantization.PRE_QUANTIZED_Q4;
        private boolean prefixReuse = true;
        private int kvCacheEntries = DEFAULT_KV_CACHE_ENTRIES;
        private String reusablePrefix = GuardPrompt.INSTRUCTION;
        private JlamaModelLoader loader = JlamaModelLoader.faithful();
        private boolean quantizedLogits = true;
        private boolean ignoreEndOfText;

        private Builder() {
        }

        /** A local model folder with config.json, tokenizer.json and safetensors (single or sharded). */
        public Builder modelDir(Path modelDir) {
            this.modelDir = modelDir;
            return this;
        }

        /** A Hugging Face id such as {@code yueliu1999/GuardReasoner-3B}, downloaded into {@link #cacheDir} once. */
        public Builder model(String model) {
            this.model = model;
            return this;
        }

        /** The id reported by {@link #modelId()} (cache keys, metrics); defaults to the HF id or the folder name. */
        public Builder modelId(String modelId) {
            this.modelId = modelId;
            return this;
        }

        /** Where downloads and pre-quantized weights go; default {@code ~/.cache/guardreasoner/models}. */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /** A Hugging Face access token for gated models. */
        public Builder authToken(String authToken) {
            this.authToken = authToken;
            return this;
        }

        /**
         * Jlama's compute threads. Jlama has one pool per JVM, sized once; unset uses the physical cores (from the
         * CPU topology on Linux, else half the logical processors), or the pool's size when it already runs.
         */
        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, was " + threads);
            this.threads = threads;
            return this;
        }

        /** The most tokens a prompt plus its generation may have; default {@value #DEFAULT_MAX_CONTEXT_TOKENS} or the model's. */
        public Builder maxContextTokens(int maxContextTokens) {
            if (maxContextTokens < 2) throw new IllegalArgumentException("maxContextTokens must be at least 2");
            this.maxContextTokens = maxContextTokens;
            return this;
        }

        /** How BF16/F32 weights are quantized; default {@link Quantization#PRE_QUANTIZED_Q4}. */
        public Builder quantization(Quantization quantization) {
            this.quantization = Objects.requireNonNull(quantization, "quantization");
            return this;
        }

        /** Whether the instruction's KV state is computed once and reused by every verdict; default on. */
        public Builder prefixReuse(boolean prefixReuse) {
            this.prefixReuse = prefixReuse;
            return this;
        }

        /**
         * How many recent token sequences keep their KV state in memory for later checks to reuse; default
         * {@value #DEFAULT_KV_CACHE_ENTRIES}, 0 keeps none (the instruction's, see {@link #prefixReuse}, stays). Each
         * costs its length times the model's KV size per token, about 229 KB for the 3B model (a check of ~1,000
         * tokens: ~230 MB). Without kept sequences a {@link JlamaBackend#resume} generates from the stopped text anew.
         */
        public Builder kvCacheEntries(int kvCacheEntries) {
            if (kvCacheEntries < 0) {
                throw new IllegalArgumentException("kvCacheEntries must be at least 0, was " + kvCacheEntries);
            }
            this.kvCacheEntries = kvCacheEntries;
            return this;
        }

        /**
         * Whether the output projection runs with 8-bit activations when the weights are Q4, like every other matrix
         * product on that path; default on. Off uses Jlama's float-activation kernel, several times slower there.
         */
        public Builder quantizedLogits(boolean quantizedLogits) {
            this.quantizedLogits = quantizedLogits;
            return this;
        }

        /** The text whose KV state is reused when a prompt starts with it; tests shorten it. */
        Builder reusablePrefix(String reusablePrefix) {
            this.reusablePrefix = Objects.requireNonNull(reusablePrefix, "reusablePrefix");
            return this;
        }

        /**
         * Benchmarks only: keep generating through end-of-text tokens, so that a random-weight model generates exactly
         * {@code maxTokens} tokens (or stops at a stop sequence) like a real one generating a verdict of that length.
         */
        Builder ignoreEndOfText(boolean ignoreEndOfText) {
            this.ignoreEndOfText = ignoreEndOfText;
            return this;
        }

        /** How a model folder becomes a Jlama model; Jlama's own loader is kept for comparison in tests. */
        Builder loader(JlamaModelLoader loader) {
            this.loader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /**
         * Loads the model (downloading and pre-quantizing first when needed).
         *
         * @throws GuardBackendException when the model cannot be found, downloaded or loaded; the message says why
         */
        public JlamaBackend build() {
            if (modelDir != null && model != null) {
                throw new IllegalArgumentException("Give either modelDir(...) or model(...), not both");
            }
            return new JlamaBackend(this);
        }
    }
}
