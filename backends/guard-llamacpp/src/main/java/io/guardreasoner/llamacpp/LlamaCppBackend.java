package io.guardreasoner.llamacpp;

import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.internal.Exceptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * GuardReasoner in-process with llama.cpp: greedy raw completion over a GGUF model, several checks decoded together in
 * one batch, and the KV state of shared prompt prefixes reused.
 *
 * <p>The model is a GGUF file ({@link Builder#ggufFile}) or a Hugging Face Llama folder ({@link Builder#modelDir})
 * that {@link GgufConverter} converts once into a cache folder. The contract is {@link GuardBackend}'s, as the Jlama
 * backend keeps it: greedy decoding, no chat template, one {@code <|begin_of_text|>}, stop sequences cut from the text
 * (what they cut off in {@link Generation#cut()}), token limit, end-of-text, deadline and thread interrupt honoured
 * while reading the prompt and while generating, token probabilities when asked for. Special-token text in the prompt
 * ({@code <|eot_id|>} typed by a user) stays plain text. The GGUF is checked in Java before llama.cpp reads it.
 *
 * <p>Each of the {@link Builder#slots} slots holds one check's KV state; a new check takes the slot whose cache it
 * destroys least and computes only what no slot holds: the instruction (computed at load), the request an output-rail
 * check shares with its input-rail check, an earlier generation it {@link #resume resumes}, or a {@link #prefill
 * prefilled} prefix. Concurrent checks share the model: every decode step batches one token of each generating check
 * with a chunk of a prompt being read.
 *
 * <pre>{@code
 * GuardBackend backend = LlamaCppBackend.builder().modelDir(Path.of("models/GuardReasoner-3B")).build();
 * }</pre>
 */
public final class LlamaCppBackend implements GuardBackend {

    /** Checks decoded together by default. */
    public static final int DEFAULT_SLOTS = 4;

    /** Tokens a check may use (prompt plus generation) by default: GuardPrompt's long exchanges and a verdict fit. */
    public static final int DEFAULT_CONTEXT_TOKENS = 8192;

    /** Prompt tokens read per decode step by default: large enough for fast matrix kernels, small enough to interleave. */
    public static final int DEFAULT_BATCH_SIZE = 64;

    /**
     * The type a model folder is converted to by default: decoding on a CPU is bound by memory bandwidth, and Q4_0
     * reads about half the bytes of Q8_0 per token; the Jlama backend's default is 4-bit too.
     */
    public static final GgufType DEFAULT_TYPE = GgufType.Q4_0;

    private static final System.Logger LOG = System.getLogger(LlamaCppBackend.class.getName());

    private final String modelId;
    private final Path ggufFile;
    private final GgufType storedType;
    private final LlamaEngine engine;
    private final NativeLlama.BuildInfo build;
    private final boolean ignoreEndOfText;
    private final int contextTokens;
    private final ResumableGenerations resumable;
    private volatile boolean closed;

    private LlamaCppBackend(Builder b) {
        Path gguf;
        String defaultId;
        if (b.modelDir != null) {
            gguf = ConvertedModels.convertedOnce(b.modelDir, b.cacheDir != null ? b.cacheDir
                    : ConvertedModels.defaultCacheDir(), b.type);
            defaultId = b.modelDir.toAbsolutePath().normalize().getFileName().toString();
        } else {
            gguf = b.ggufFile;
            defaultId = null;
        }
        GgufInspector.Summary summary;
        try {
            summary = GgufInspector.inspect(gguf);
        } catch (GgufInspector.InvalidGgufException e) {
            throw new GuardBackendException(e.getMessage(), e);
        }
        this.ggufFile = gguf;
        this.storedType = storedType(summary);
        String fileName = gguf.getFileName().toString();
        this.modelId = b.modelId != null ? b.modelId : defaultId != null ? defaultId
                : summary.name() != null && !summary.name().isBlank() ? summary.name()
                : fileName.endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName;
        requireSupported(b.kvCacheType, summary, gguf);
        NativeLlama llama;
        try {
            llama = NativeLlama.load();
        } catch (IllegalStateException | LinkageError e) {
            throw new GuardBackendException(e.getMessage(), e);
        }
        this.build = llama.buildInfo();
        long trained = summary.uint("llama.context_length", Integer.MAX_VALUE);
        this.contextTokens = (int) Math.min(b.contextTokens, trained);
        int threads = b.threads > 0 ? b.threads : Runtime.getRuntime().availableProcessors();
        LlamaEngine.Settings settings = new LlamaEngine.Settings(b.slots, contextTokens, b.batchSize, threads,
                b.kvCacheType.ggmlType);
        long start = System.nanoTime();
        try {
            this.engine = LlamaEngine.start(llama, gguf, settings, modelId);
        } catch (IllegalStateException e) {
            throw new GuardBackendException(e.getMessage(), e);
        }
        this.ignoreEndOfText = b.ignoreEndOfText;
        this.resumable = new ResumableGenerations(2 * b.slots + 2);
        if (!b.warmUpPrefix.isEmpty()) warmUp(b.warmUpPrefix);
        LOG.log(System.Logger.Level.INFO, "Loaded {0} from {1} in {2} ms: {3}; CPU: {4}", modelId, gguf,
                (System.nanoTime() - start) / 1_000_000, describeSetup(), build.systemInfo());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Computes the prefix's KV state once at load, so that the first check does not pay for the instruction. */
    private void warmUp(String prefix) {
        int[] tokens = engine.tokenize(prefix);
        if (tokens.length > contextTokens) return;
        try {
            engine.submit(LlamaEngine.Request.prefill(tokens)).result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            close();
            throw new GuardBackendException("llama.cpp could not run " + ggufFile + ": " + e.getCause().getMessage(), e);
        }
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        return complete(prompt, options).generation();
    }

    /**
     * Goes on from the stopped generation's own token ids (and their KV state, while a slot still holds it), so that
     * the text equals a single generation without that stop sequence token for token. A generation this backend did
     * not stop recently continues from the text {@code prompt + stopped.written()} instead.
     */
    @Override
    public Generation resume(String prompt, Generation stopped, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(stopped, "stopped");
        Objects.requireNonNull(options, "options");
        String text = prompt + stopped.written();
        ResumableGenerations.Stopped kept = resumable.find(text);
        if (kept == null) {
            LOG.log(System.Logger.Level.DEBUG, "Resuming a generation whose tokens are not kept; going on from its text");
            return stopped.followedBy(generate(text, options));
        }
        return stopped.followedBy(run(text, kept.ids(), kept.held(), options).generation());
    }

    /**
     * Computes the KV state of {@code promptPrefix} into a slot now, so that a check whose prompt starts with the same
     * tokens skips them. Waits for a slot no check wants and gives it up, keeping what it computed, as soon as a check
     * waits for one. Never changes what a check returns; never throws.
     */
    @Override
    public void prefill(String promptPrefix) {
        if (promptPrefix == null || closed) return;
        LlamaEngine.Job job = null;
        try {
            int[] tokens = engine.tokenize(promptPrefix);
            if (tokens.length > contextTokens) return; // the check itself will say it is too long
            job = engine.submit(LlamaEngine.Request.prefill(tokens));
            job.result().get();
        } catch (InterruptedException e) {
            stop(job);
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Prefill failed; the check computes it itself: {0}", Exceptions.describe(e));
        }
    }

    /** Generates like {@link #generate}, with the token ids, the prompt-cache reuse and timings. */
    Completion complete(String prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        if (closed) throw new GuardBackendException("this LlamaCppBackend is closed");
        return run(prompt, tokenize(prompt), Utf8Pieces.NOTHING_HELD, options);
    }

    /** Runs a generation after {@code tokens} (which stand for {@code text}) and remembers it when a stop ends it. */
    private Completion run(String text, int[] tokens, byte[] held, GenerationOptions options) {
        if (closed) throw new GuardBackendException("this LlamaCppBackend is closed");
        if (options.expired()) throw new GuardBackendException("the deadline passed before llama.cpp started");
        if (Thread.currentThread().isInterrupted()) {
            throw new GuardBackendException("interrupted before llama.cpp started");
        }
        if (tokens.length + options.maxTokens() > contextTokens) {
            throw new GuardBackendException("The prompt has " + tokens.length + " tokens; with up to "
                    + options.maxTokens() + " generated tokens it exceeds a slot's context of " + contextTokens
                    + " tokens. Shorten the texts (GuardPrompt caps each side), lower maxTokens, or raise contextTokens");
        }
        List<String> stops = options.stopSequences().stream().filter(s -> !s.isEmpty()).toList();
        LlamaEngine.Job job = engine.submit(LlamaEngine.Request.generate(tokens, options.maxTokens(), stops,
                options.topLogprobs(), ignoreEndOfText, options.deadline(), held));
        LlamaEngine.Outcome outcome;
        try {
            outcome = options.deadline().isPresent()
                    ? job.result().get(options.remaining(Duration.ZERO).toNanos(), TimeUnit.NANOSECONDS)
                    : job.result().get();
        } catch (TimeoutException e) {
            stop(job);
            throw new GuardBackendException("the deadline passed " + job.progress());
        } catch (InterruptedException e) {
            stop(job);
            Thread.currentThread().interrupt();
            throw new GuardBackendException("interrupted " + job.progress(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LlamaEngine.DeadlineException) throw new GuardBackendException(cause.getMessage(), cause);
            if (closed || "closed".equals(cause.getMessage())) {
                throw new GuardBackendException("this LlamaCppBackend is closed", cause);
            }
            throw new GuardBackendException("llama.cpp inference failed: " + cause.getMessage(), cause);
        }
        Generation.FinishReason reason = switch (outcome.finish()) {
            case END_OF_TEXT -> Generation.FinishReason.END_OF_TEXT;
            case STOP_SEQUENCE -> Generation.FinishReason.STOP_SEQUENCE;
            case LENGTH, PREFILLED -> Generation.FinishReason.LENGTH;
        };
        if (reason == Generation.FinishReason.STOP_SEQUENCE) {
            int[] ids = Arrays.copyOf(tokens, tokens.length + outcome.tokens().length);
            System.arraycopy(outcome.tokens(), 0, ids, tokens.length, outcome.tokens().length);
            resumable.remember(text + outcome.text() + outcome.cut(), ids, outcome.held());
        }
        Generation generation = new Generation(outcome.text(), OptionalInt.of(outcome.promptTokens()),
                OptionalInt.of(outcome.tokens().length), reason, outcome.cut(), outcome.choices());
        return new Completion(generation, outcome.tokens(), outcome.reusedPromptTokens());
    }

    private void stop(LlamaEngine.Job job) {
        if (job == null) return;
        job.cancel();
        engine.wake();
    }

    /**
     * The token ids llama.cpp reads for {@code prompt}: {@code <|begin_of_text|>}, then the text tokenized with
     * special-token parsing off.
     */
    int[] tokenize(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        return whileOpen(() -> engine.tokenize(prompt));
    }

    /** The number of tokens the model reads for {@code prompt}, {@code <|begin_of_text|>} included. */
    int countTokens(String prompt) {
        return tokenize(prompt).length;
    }

    /** The text of token ids, as the model's vocabulary spells them (control tokens are empty). */
    String detokenize(int[] tokenIds) {
        return whileOpen(() -> engine.detokenize(tokenIds));
    }

    /** Whether the token is a control token such as {@code <|begin_of_text|>} or {@code <|eot_id|>}. */
    boolean isControlToken(int tokenId) {
        return whileOpen(() -> engine.isControl(tokenId));
    }

    /** Runs a vocabulary call; the engine refuses it once the model is freed, which a concurrent close() may do. */
    private <T> T whileOpen(Supplier<T> call) {
        if (closed) throw new GuardBackendException("this LlamaCppBackend is closed");
        try {
            return call.get();
        } catch (IllegalStateException e) {
            throw new GuardBackendException("this LlamaCppBackend is closed", e);
        }
    }

    /** Totals since the backend was built, warm-up included. */
    Stats stats() {
        LlamaEngine.Counters c = engine.counters();
        return new Stats(c.requests(), c.promptTokens(), c.reusedPromptTokens(), c.generatedTokens(), c.decodeCalls());
    }

    /** The GGUF file the model was loaded from (for a model folder: its conversion in the cache folder). */
    public Path ggufFile() {
        return ggufFile;
    }

    /** Tokens a check may use, prompt plus generation. */
    public int contextTokens() {
        return contextTokens;
    }

    /** The llama.cpp build and the CPU features it runs with. */
    String systemInfo() {
        return build.describe() + "; " + cpuFeatures();
    }

    /** The CPU features llama.cpp was built for and found, as {@code llama_print_system_info} lists them. */
    String cpuFeatures() {
        return build.systemInfo();
    }

    /** One line on how this model runs, for the log, health and benchmarks. */
    String describeSetup() {
        LlamaEngine.Settings s = engine.settings();
        return (storedType == null ? "weights of a mixed type" : storedType.fileSuffix() + " weights") + ", "
                + s.slots() + " slots x " + s.slotContext() + " tokens, KV cache " + s.kvCacheType() + ", batch "
                + s.batchSize() + ", " + s.threads() + " threads, " + build.describe()
                + (ignoreEndOfText ? ", end-of-text ignored (benchmark)" : "");
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String name() {
        return "llamacpp";
    }

    @Override
    public Health health() {
        if (closed) return Health.down("closed");
        if (!engine.running()) return Health.down("the llama.cpp engine stopped; see the log");
        return Health.up(modelId + " loaded from " + ggufFile + " (" + describeSetup() + ")");
    }

    /** Fails running and queued checks, then frees the model and its KV cache. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        engine.close();
    }

    @Override
    public String toString() {
        return "LlamaCppBackend[" + modelId + ", " + ggufFile.getFileName() + "]";
    }

    /**
     * Refuses settings llama.cpp would answer with an abort of the whole process: a Q8_0 KV cache stores keys and
     * values in blocks of 32, so each head's size must be a multiple of 32 (64 and 128 in Llama-3 models).
     */
    private static void requireSupported(KvCacheType kvCacheType, GgufInspector.Summary summary, Path gguf) {
        if (kvCacheType != KvCacheType.Q8_0) return;
        long heads = summary.uint("llama.attention.head_count", 0);
        long embedding = summary.uint("llama.embedding_length", 0);
        long keyLength = summary.uint("llama.attention.key_length", heads > 0 ? embedding / heads : 0);
        long valueLength = summary.uint("llama.attention.value_length", keyLength);
        int block = GgmlType.Q8_0.blockSize;
        if (keyLength % block != 0 || valueLength % block != 0) {
            throw new GuardBackendException("The KV cache type Q8_0 needs attention heads whose size is a multiple of "
                    + block + "; the model in " + gguf + " has heads of " + keyLength + ". Use kvCacheType F16");
        }
    }

    private static GgufType storedType(GgufInspector.Summary summary) {
        long fileType = summary.uint("general.file_type", -1);
        for (GgufType t : GgufType.values()) {
            if (t.fileType() == fileType) return t;
        }
        return null;
    }

    /**
     * A generation with what llama.cpp tells beyond {@link Generation}, for tests and benchmarks.
     *
     * @param tokenIds           the generated token ids (end-of-text excluded)
     * @param reusedPromptTokens prompt tokens whose KV state came from the cache instead of being computed
     */
    record Completion(Generation generation, int[] tokenIds, int reusedPromptTokens) {
    }

    /** Totals since the backend was built, warm-up excluded from the checks. */
    record Stats(long checks, long promptTokens, long reusedPromptTokens, long generatedTokens, long decodeCalls) {
        /** Prompt tokens actually computed. */
        long evaluatedPromptTokens() {
            return promptTokens - reusedPromptTokens;
        }
    }

    /** Builds a {@link LlamaCppBackend}; give {@link #ggufFile} or {@link #modelDir}, everything else has a default. */
    public static final class Builder {
        private Path ggufFile;
        private Path modelDir;
        private Path cacheDir;
        private GgufType type = DEFAULT_TYPE;
        private String modelId;
        private int slots = DEFAULT_SLOTS;
        private int contextTokens = DEFAULT_CONTEXT_TOKENS;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int threads;
        private KvCacheType kvCacheType = KvCacheType.F16;
        private String warmUpPrefix = GuardPrompt.INSTRUCTION;
        private boolean ignoreEndOfText;

        private Builder() {
        }

        /** A GGUF model file (from {@link GgufConverter} or llama.cpp's own converter). */
        public Builder ggufFile(Path ggufFile) {
            this.ggufFile = Objects.requireNonNull(ggufFile, "ggufFile");
            return this;
        }

        /** A Hugging Face Llama folder, converted once into {@link #cacheDir} as {@link #type}. */
        public Builder modelDir(Path modelDir) {
            this.modelDir = Objects.requireNonNull(modelDir, "modelDir");
            return this;
        }

        /** Where converted models go; default {@code ~/.cache/guardreasoner/models}. */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /** The type a {@link #modelDir} is converted to; default {@link LlamaCppBackend#DEFAULT_TYPE} ({@code q4_0}). */
        public Builder type(GgufType type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** The id {@link #modelId()} reports; default the folder name, the GGUF's general.name or its file name. */
        public Builder modelId(String modelId) {
            this.modelId = Objects.requireNonNull(modelId, "modelId");
            return this;
        }

        /**
         * Checks decoded together; default {@value #DEFAULT_SLOTS} (the Spring starter uses the guard's
         * max-concurrent). Each holds {@link #contextTokens} tokens of KV cache; a check beyond them waits for a slot.
         */
        public Builder slots(int slots) {
            if (slots < 1 || slots > 64) throw new IllegalArgumentException("slots must be 1..64, was " + slots);
            this.slots = slots;
            return this;
        }

        /** Tokens one check may use, prompt plus generation; default {@value #DEFAULT_CONTEXT_TOKENS} or the model's. */
        public Builder contextTokens(int contextTokens) {
            if (contextTokens < 16) {
                throw new IllegalArgumentException("contextTokens must be at least 16, was " + contextTokens);
            }
            this.contextTokens = contextTokens;
            return this;
        }

        /** Prompt tokens read per decode step; default {@value #DEFAULT_BATCH_SIZE}. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** llama.cpp's compute threads; default the available processors. */
        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, was " + threads);
            this.threads = threads;
            return this;
        }

        /** The KV cache's type; default {@link KvCacheType#F16}, llama.cpp's own default. */
        public Builder kvCacheType(KvCacheType kvCacheType) {
            this.kvCacheType = Objects.requireNonNull(kvCacheType, "kvCacheType");
            return this;
        }

        /**
         * A prompt prefix whose KV state is computed at load, so that the first check reuses it; default
         * {@link GuardPrompt#INSTRUCTION}, empty for none. Later checks reuse any shared prefix anyway.
         */
        public Builder warmUpPrefix(String warmUpPrefix) {
            this.warmUpPrefix = Objects.requireNonNull(warmUpPrefix, "warmUpPrefix");
            return this;
        }

        /**
         * Benchmarks only: keep generating through end-of-text, so that a random-weight model generates exactly
         * {@code maxTokens} tokens (or stops at a stop sequence). Never for a real model.
         */
        Builder ignoreEndOfText(boolean ignoreEndOfText) {
            this.ignoreEndOfText = ignoreEndOfText;
            return this;
        }

        /**
         * Converts the folder when needed, checks the GGUF in Java, loads it into llama.cpp and starts the engine.
         *
         * @throws GuardBackendException when the model is missing, invalid or cannot be loaded; the message says why
         */
        public LlamaCppBackend build() {
            if ((ggufFile == null) == (modelDir == null)) {
                throw new IllegalArgumentException("Give either ggufFile(...) or modelDir(...), exactly one");
            }
            return new LlamaCppBackend(this);
        }
    }
}
