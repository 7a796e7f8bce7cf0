package io.guardreasoner.langchain4j.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * GuardReasoner in-process on the CPU with Jlama: raw completion, greedy decoding, a fresh KV state per verdict.
 *
 * <p>The model comes from a local directory ({@link Builder#modelDir}) or from Hugging Face into a cache folder
 * ({@link Builder#model}, default {@value #DEFAULT_MODEL}); nothing is downloaded when the files are there. By
 * default BF16/F32 weights are pre-quantized to Q4 once into the cache folder and run with 8-bit activations, and the
 * KV state of the GuardReasoner instruction is computed once and copied into every verdict, and the output projection
 * runs with 8-bit activations; each can be switched off. The model reads Llama-3's token ids and llama3 RoPE
 * ({@link JlamaModelLoader#faithful()}), which Jlama 0.8.4 on its own gets wrong.
 *
 * <p>The backend drives Jlama's forward pass itself rather than {@code generate}: each call gets its own in-memory KV
 * buffer, so no session is reused and no {@code *.page} file is written. Calls on one backend run one at a time.
 *
 * <pre>{@code
 * GuardBackend backend = JlamaBackend.builder().modelDir(Path.of("models/GuardReasoner-3B")).build();
 * }</pre>
 */
public final class JlamaBackend implements GuardBackend {

    /** The model used when neither a directory nor another id is given. */
    public static final String DEFAULT_MODEL = "yueliu1999/GuardReasoner-3B";

    /** Context budget used when the model allows more: GuardPrompt's longest prompt plus a full verdict fit. */
    public static final int DEFAULT_MAX_CONTEXT_TOKENS = 12_288;

    private static final System.Logger LOG = System.getLogger(JlamaBackend.class.getName());

    /** Prompt tokens per forward pass: large enough for efficient matrix products, small enough to notice a deadline. */
    private static final int PREFILL_CHUNK = 128;

    /** How the weights are quantized. */
    public enum Quantization {
        /** Weights as stored (BF16/F32), activations in the working type. Slowest. */
        NONE,
        /**
         * Jlama quantizes to Q4 at every load, with float activations; Jlama 0.8.4 leaves part of each layer
         * unquantized. The naive configuration, for comparison.
         */
        RUNTIME_Q4,
        /** All matrices are quantized to Q4 once into the cache folder and loaded from there; 8-bit activations. */
        PRE_QUANTIZED_Q4
    }

    private final String modelId;
    private final Path sourceDir;
    private final Path loadedDir;
    private final String storedType;
    private final Quantization quantization;
    private final AbstractModel model;
    private final Tokenizer tokenizer;
    private final KvBufferCache kvCache;
    private final Path workingDir;
    private final int maxContextTokens;
    private final Set<Integer> endTokens;
    private final String reusablePrefix;
    private final boolean prefixReuse;
    private final boolean ignoreEndOfText;
    private final ReentrantLock lock = new ReentrantLock(true);

    private final String activationType;
    private final SampleOutput logitsHead;
    private int[] prefixIds;
    private KvBufferCache.KvBuffer prefixKv;
    private volatile boolean closed;

    private JlamaBackend(Builder b) {
        requireVectorModule();
        if (b.threads > 0) {
            configureThreads(b.threads);
        } else {
            defaultThreads();
        }
        Path cacheDir = b.cacheDir != null ? b.cacheDir : defaultCacheDir();
        if (b.modelDir != null) {
            this.sourceDir = b.modelDir;
            this.modelId = b.modelId != null ? b.modelId : b.modelDir.toAbsolutePath().normalize().getFileName().toString();
        } else {
            String id = b.model != null ? b.model : DEFAULT_MODEL;
            this.sourceDir = HuggingFaceDownload.resolve(id, cacheDir, Optional.ofNullable(b.authToken));
            this.modelId = b.modelId != null ? b.modelId : id;
        }
        List<Path> weights = ModelDirectory.validate(sourceDir);
        this.storedType = ModelDirectory.storedWeightType(weights);
        boolean floating = storedType.equals("BF16") || storedType.equals("F32") || storedType.equals("F16");
        this.quantization = floating ? b.quantization : Quantization.NONE;

        Path dir = sourceDir;
        DType workingQuant = DType.F32;
        Optional<DType> runtimeQuant = Optional.empty();
        switch (quantization) {
            case PRE_QUANTIZED_Q4 -> {
                Path target = Q4PreQuantizer.targetFor(sourceDir, weights, cacheDir);
                if (Q4PreQuantizer.isDone(target)) {
                    LOG.log(System.Logger.Level.INFO, "Using pre-quantized Q4 weights in {0}", target);
                } else {
                    LOG.log(System.Logger.Level.INFO, "Pre-quantizing {0} ({1}) to Q4 once, into {2}", sourceDir,
                            storedType, target);
                }
                dir = Q4PreQuantizer.quantize(sourceDir, target);
                workingQuant = DType.I8;
            }
            case RUNTIME_Q4 -> {
                // Jlama leaves the sparse-loaded matrices unquantized, and its kernels have no I8 x BF16 path.
                runtimeQuant = Optional.of(DType.Q4);
                workingQuant = DType.F32;
            }
            case NONE -> workingQuant = storedType.equals("Q4") ? DType.I8 : DType.F32;
        }
        this.loadedDir = dir;
        try {
            this.workingDir = Files.createTempDirectory("guardreasoner-jlama-");
            workingDir.toFile().deleteOnExit(); // stays empty, so this removes it even if close() is never called
        } catch (IOException e) {
            throw new GuardBackendException("Cannot create a working folder for Jlama: " + e.getMessage(), e);
        }
        long start = System.nanoTime();
        try {
            this.model = b.loader.load(dir, DType.F32, workingQuant, runtimeQuant, Optional.of(workingDir));
        } catch (RuntimeException | LinkageError e) {
            Q4PreQuantizer.deleteQuietly(workingDir);
            throw new GuardBackendException("Jlama could not load the model in " + dir + ": " + describe(e), e);
        }
        this.tokenizer = model.getTokenizer();
        this.kvCache = new KvBufferCache(model);
        Config c = model.getConfig();
        this.maxContextTokens = Math.min(b.maxContextTokens > 0 ? b.maxContextTokens : DEFAULT_MAX_CONTEXT_TOKENS,
                c.contextLength);
        this.endTokens = endTokens(c, tokenizer);
        this.reusablePrefix = b.reusablePrefix;
        this.prefixReuse = b.prefixReuse && !reusablePrefix.isEmpty();
        this.ignoreEndOfText = b.ignoreEndOfText;
        this.activationType = activationType(model);
        this.logitsHead = b.quantizedLogits ? quantizedLogitsHead(model, activationType) : null;
        if (workingQuant == DType.I8 && !activationType.equals("I8")) {
            LOG.log(System.Logger.Level.INFO, "Jlama runs this model with {0} activations: its hidden and intermediate "
                    + "sizes are too small for 8-bit activations at this CPU vector width", activationType);
        }
        if (prefixReuse) {
            // Once per model, at load: the first verdict should not pay for the instruction either.
            try {
                computePrefixState();
            } catch (RuntimeException e) {
                close();
                throw new GuardBackendException("Jlama could not run the model in " + dir + ": " + describe(e), e);
            }
        }
        LOG.log(System.Logger.Level.INFO, "Loaded {0} from {1} in {2} ms: {3}",
                modelId, dir, String.valueOf((System.nanoTime() - start) / 1_000_000), describeSetup());
    }

    /** One line on how this model runs, for the log and benchmarks. */
    public String describeSetup() {
        return model.getConfig().numberOfLayers + " layers, stored weights " + storedType + ", quantization "
                + quantization + ", activations " + activationType + ", 8-bit logits " + onOff(logitsHead != null)
                + ", kernels " + kernels() + ", " + PhysicalCoreExecutor.instance.get().getCoreCount() + " threads, "
                + "max context " + maxContextTokens + " tokens, prefix reuse " + onOff(prefixReuse)
                + (ignoreEndOfText ? ", end-of-text ignored (benchmark)" : "");
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        if (options.expired()) throw new GuardBackendException("the deadline passed before Jlama started");
        acquire(options);
        try {
            if (closed) throw new GuardBackendException("this JlamaBackend is closed");
            return run(prompt, options);
        } catch (GuardBackendException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GuardBackendException("Jlama inference failed: " + describe(e), e);
        } finally {
            removePageFiles();
            lock.unlock();
        }
    }

    private Generation run(String prompt, GenerationOptions options) {
        int[] ids = encode(prompt);
        if (ids.length + options.maxTokens() > maxContextTokens) {
            throw new GuardBackendException("The prompt has " + ids.length + " tokens; with up to "
                    + options.maxTokens() + " generated tokens it exceeds the context limit of " + maxContextTokens
                    + " tokens. Shorten the texts (GuardPrompt caps each side), lower maxTokens, or raise "
                    + "maxContextTokens (the model allows " + model.getConfig().contextLength + ")");
        }
        Config c = model.getConfig();
        List<String> stops = options.stopSequences().stream().filter(s -> !s.isEmpty()).toList();
        int longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
        StringBuilder text = new StringBuilder();
        int generated = 0;
        Generation.FinishReason reason = Generation.FinishReason.LENGTH;
        try (KvBufferCache.KvBuffer kv = kvCache.getEphemeralKvBuffer();
             AbstractTensor logits = model.makeDenseTensor(c.vocabularySize)) {
            int next = prefill(ids, reusePrefix(prompt, ids, kv), kv, logits, options);
            int position = ids.length;
            while (true) {
                checkDeadline(options, generated);
                if (endTokens.contains(next) && !ignoreEndOfText) {
                    reason = Generation.FinishReason.END_OF_TEXT;
                    break;
                }
                generated++;
                int before = text.length();
                text.append(decode(next));
                int stopAt = findStop(text, stops, Math.max(0, before - longestStop + 1));
                if (stopAt >= 0) {
                    text.setLength(stopAt);
                    reason = Generation.FinishReason.STOP_SEQUENCE;
                    break;
                }
                if (generated >= options.maxTokens()) break;
                try (AbstractTensor out = model.forward(next, position++, kv, Optional.empty())) {
                    next = greedy(out, logits);
                }
            }
        }
        return Generation.of(text.toString(), ids.length, generated, reason);
    }

    /**
     * Runs the prompt from position {@code from} through the model in chunks, checking the deadline between them,
     * and returns the first generated token.
     */
    private int prefill(int[] ids, int from, KvBufferCache.KvBuffer kv, AbstractTensor logits, GenerationOptions options) {
        int position = from;
        while (true) {
            int end = Math.min(ids.length, position + PREFILL_CHUNK);
            try (AbstractTensor out = model.batchForward(Arrays.copyOfRange(ids, position, end), position, kv)) {
                if (end == ids.length) return greedy(out.slice(out.shape().first() - 1), logits);
            }
            position = end;
            checkDeadline(options, 0);
        }
    }

    /**
     * The most likely next token. On the Q4 path the final hidden state is quantized to 8 bits before the output
     * projection, as Jlama already does inside every layer: Jlama's own {@code sample} multiplies float activations
     * with the (large, tied) Q4 output matrix on a much slower kernel.
     */
    private int greedy(AbstractTensor hidden, AbstractTensor logits) {
        if (logitsHead == null) return model.sample(hidden, 0.0f, 0.0f, logits);
        Config c = model.getConfig();
        TensorOperations ops = TensorOperationsProvider.get();
        try (AbstractTensor normed = logitsHead.getOutputLayerNorm().forward(hidden);
             AbstractTensor quantized = ops.quantize(normed, DType.I8, 0, c.embeddingLength)) {
            AbstractTensor weights = logitsHead.getOutputLogitsWeights();
            VectorMath.pchunk(0, c.vocabularySize, (start, size) ->
                    ops.dotProductChunk(logits, quantized, weights, 0, c.embeddingLength, start, size));
        }
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < c.vocabularySize; i++) {
            float v = logits.get(0, i);
            if (v > bestValue) {
                best = i;
                bestValue = v;
            }
        }
        return best;
    }

    /** Jlama's output head when the fast 8-bit logits path applies (Q4 output weights, I8 activations), else null. */
    private static SampleOutput quantizedLogitsHead(AbstractModel model, String activationType) {
        if (!"I8".equals(activationType)) return null;
        Config c = model.getConfig();
        if (c.logitMultiplier != null || c.finalLogitSoftCapping != null) return null;
        try {
            java.lang.reflect.Field f = AbstractModel.class.getDeclaredField("sampleOutput");
            f.setAccessible(true);
            SampleOutput head = (SampleOutput) f.get(model);
            return head != null && head.getOutputLogitsWeights().dType() == DType.Q4 ? head : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "8-bit logits unavailable: {0}", e.toString());
            return null;
        }
    }

    /** Runs the reusable prefix through the model once and keeps its KV state. */
    private void computePrefixState() {
        int[] pids = encode(reusablePrefix);
        KvBufferCache.KvBuffer buffer = kvCache.getEphemeralKvBuffer();
        try (AbstractTensor ignored = model.batchForward(pids, 0, buffer)) {
            prefixIds = pids;
            prefixKv = buffer;
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
    }

    /** Copies the cached instruction's KV state into {@code kv}; returns how many leading positions it covers. */
    private int reusePrefix(String prompt, int[] ids, KvBufferCache.KvBuffer kv) {
        if (!prefixReuse || !prompt.startsWith(reusablePrefix)) return 0;
        if (prefixKv == null) computePrefixState();
        int common = 0;
        int limit = Math.min(prefixIds.length, ids.length - 1); // keep one token to prefill for the logits
        while (common < limit && prefixIds[common] == ids[common]) common++;
        Config c = model.getConfig();
        int layers = c.dctx().layerEnd - c.dctx().layerStart;
        int kvLength = c.dctx().kvSegmentLength;
        for (int layer = 0; layer < layers; layer++) {
            for (int pos = 0; pos < common; pos++) {
                kv.getKeyTensorForPosition(layer, pos).copyFrom(prefixKv.getKeyTensorForPosition(layer, pos), 0, 0, kvLength);
                kv.getValTensorForPosition(layer, pos).copyFrom(prefixKv.getValTensorForPosition(layer, pos), 0, 0, kvLength);
            }
        }
        return common;
    }

    /** The prompt's token ids as the model reads them: one {@code <|begin_of_text|>}, then the text. */
    private int[] encode(String text) {
        long[] encoded = tokenizer.encode(text);
        int bos = model.getConfig().bosToken;
        int skip = encoded.length > 0 && encoded[0] == bos ? 1 : 0;
        int[] ids = new int[encoded.length - skip + 1];
        ids[0] = bos;
        for (int i = skip; i < encoded.length; i++) ids[i - skip + 1] = Math.toIntExact(encoded[i]);
        return ids;
    }

    private String decode(int id) {
        if (tokenizer.getModel() != null && tokenizer.getModel().isSpecialToken(id)) return "";
        try {
            String piece = tokenizer.decode(id);
            return piece == null ? "" : piece;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Jlama could not decode token {0}", id);
            return "";
        }
    }

    private static int findStop(CharSequence text, List<String> stops, int from) {
        if (stops.isEmpty()) return -1;
        String s = text.toString();
        int best = -1;
        for (String stop : stops) {
            int at = s.indexOf(stop, from);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    private static void checkDeadline(GenerationOptions options, int generated) {
        if (Thread.currentThread().isInterrupted()) {
            throw new GuardBackendException("interrupted after " + generated + " generated tokens");
        }
        if (options.expired()) {
            throw new GuardBackendException("the deadline passed after " + generated + " generated tokens");
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

    private static Set<Integer> endTokens(Config c, Tokenizer tokenizer) {
        Set<Integer> ends = new LinkedHashSet<>(c.eosTokens);
        for (String special : List.of(LlamaModelWriter.END_OF_TEXT, LlamaModelWriter.EOT, "<|eom_id|>")) {
            try {
                long[] ids = tokenizer.encode(special);
                if (ids.length == 1) ends.add(Math.toIntExact(ids[0]));
            } catch (RuntimeException ignored) {
                // a tokenizer without this special token
            }
        }
        return Set.copyOf(ends);
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String name() {
        return "jlama";
    }

    @Override
    public Health health() {
        if (closed) return Health.down("closed");
        return Health.up(modelId + " loaded from " + loadedDir + " (" + quantization + ", " + activationType
                + " activations, " + kernels() + ")");
    }

    /** The folder the model was read from: the source, or its pre-quantized copy in the cache. */
    public Path loadedDir() {
        return loadedDir;
    }

    /** The folder the model came from before any quantization. */
    public Path sourceDir() {
        return sourceDir;
    }

    /** How the weights run. */
    public Quantization quantization() {
        return quantization;
    }

    /** The most tokens a prompt plus its generation may have. */
    public int maxContextTokens() {
        return maxContextTokens;
    }

    /** Jlama's folder for this model's files; it is deleted on {@link #close()}. */
    public Path workingDir() {
        return workingDir;
    }

    /** The number of tokens the model reads for {@code prompt}, {@code <|begin_of_text|>} included. */
    public int countTokens(String prompt) {
        return encode(prompt).length;
    }

    /**
     * The type Jlama quantizes activations to for its matrix products: {@code I8} on the fast Q4 path, or a float type
     * when the weights are not Q4 or the model's sizes do not fit the CPU's vector width.
     */
    public String activationType() {
        return activationType;
    }

    /** Tokens of {@link Builder#reusablePrefix} whose KV state is cached (computed at load); 0 when reuse is off. */
    public int cachedPrefixTokens() {
        lock.lock();
        try {
            return prefixIds == null ? 0 : prefixIds.length;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the output projection runs with 8-bit activations (see {@link Builder#quantizedLogits}). */
    public boolean quantizedLogits() {
        return logitsHead != null;
    }

    /** Jlama keeps the chosen type in a protected field; read it so the log and benchmarks can say which path runs. */
    private static String activationType(AbstractModel model) {
        try {
            java.lang.reflect.Field f = AbstractModel.class.getDeclaredField("workingQType");
            f.setAccessible(true);
            return String.valueOf(f.get(model));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Which Jlama kernels run: the native SIMD library (jlama-native) or the Java Vector API. */
    public static String kernels() {
        return TensorOperationsProvider.get().name();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            if (prefixKv != null) prefixKv.close();
            kvCache.close();
            model.close();
            try {
                model.getWeights().close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "Closing Jlama weights failed: {0}", e.getMessage());
            }
            Q4PreQuantizer.deleteQuietly(workingDir);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- JVM-wide settings

    private static final Object THREAD_LOCK = new Object();

    /**
     * Jlama's thread pool is JVM-wide and sized once: the first backend's count wins. A later backend asking for the
     * same count is fine; asking for another is a configuration error.
     */
    static void configureThreads(int threads) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (threads > cpus) {
            throw new GuardBackendException("threads(" + threads + ") exceeds the " + cpus + " processors of this machine");
        }
        synchronized (THREAD_LOCK) {
            try {
                PhysicalCoreExecutor.overrideThreadCount(threads);
            } catch (IllegalStateException e) {
                int current = PhysicalCoreExecutor.instance.get().getCoreCount();
                if (current != threads) {
                    throw new GuardBackendException("Jlama's thread count is JVM-wide and already fixed at " + current
                            + "; it cannot change to " + threads + ". Give every JlamaBackend in this JVM the same "
                            + "threads(...) or leave it unset", e);
                }
            }
        }
    }

    /**
     * Sizes Jlama's pool to the physical cores unless it already runs. Jlama's own default is half the logical
     * processors (at least 2): half the cores on a machine without SMT, such as many cloud VMs.
     */
    private static void defaultThreads() {
        synchronized (THREAD_LOCK) {
            try {
                PhysicalCoreExecutor.overrideThreadCount(physicalCores(CPU_SYSFS, Runtime.getRuntime().availableProcessors()));
            } catch (IllegalStateException alreadyRunning) {
                // Another backend (or Jlama itself) fixed the JVM-wide pool first; keep it.
            }
        }
    }

    private static final Path CPU_SYSFS = Path.of("/sys/devices/system/cpu");

    /**
     * Physical cores among the first {@code available} logical processors, from Linux's CPU topology in
     * {@code sysCpu} (distinct package and core ids); half of {@code available} (at least 1) when it cannot be read.
     */
    static int physicalCores(Path sysCpu, int available) {
        int fallback = Math.max(1, available / 2);
        try (java.util.stream.Stream<Path> entries = Files.list(sysCpu)) {
            List<Path> cpus = entries.filter(p -> p.getFileName().toString().matches("cpu\\d+"))
                    .sorted(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(3))))
                    .limit(available).toList();
            Set<String> cores = new java.util.HashSet<>();
            for (Path cpu : cpus) {
                Path topology = cpu.resolve("topology");
                cores.add(Files.readString(topology.resolve("physical_package_id")).trim() + ":"
                        + Files.readString(topology.resolve("core_id")).trim());
            }
            return cores.isEmpty() ? fallback : Math.min(available, cores.size());
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    private static void requireVectorModule() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new GuardBackendException("Jlama needs the Java Vector API: start the JVM with "
                    + "--add-modules jdk.incubator.vector (and --enable-preview on Java 21 for jlama-native)");
        }
    }

    private static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "guardreasoner", "models");
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return message;
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

        /** The text whose KV state is reused when a prompt starts with it; default {@link GuardPrompt#INSTRUCTION}. */
        public Builder reusablePrefix(String reusablePrefix) {
            this.reusablePrefix = Objects.requireNonNull(reusablePrefix, "reusablePrefix");
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

        /**
         * Benchmarks only: keep generating through end-of-text tokens, so that a random-weight model generates exactly
         * {@code maxTokens} tokens (or stops at a stop sequence) like a real one generating a verdict of that length.
         * Default off; never turn it on for a real model, whose verdict ends there.
         */
        public Builder ignoreEndOfText(boolean ignoreEndOfText) {
            this.ignoreEndOfText = ignoreEndOfText;
            return this;
        }

        /**
         * How a model folder becomes a Jlama model; default {@link JlamaModelLoader#faithful()} (Llama-3 tokenizer,
         * llama3 RoPE). {@link JlamaModelLoader#jlama()} is Jlama's own, for comparison.
         */
        public Builder loader(JlamaModelLoader loader) {
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
