package io.guardreasoner.llamacpp;

import com.sun.jna.Pointer;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.internal.StopSequences;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * One llama.cpp model and context, driven by one Java thread that batches all running generations into each
 * {@code llama_decode} call (continuous batching over {@code slots} sequences of a unified KV cache).
 *
 * <p>Each slot remembers the tokens whose KV state it holds. A new request takes the idle slot whose cache it destroys
 * least and computes only what no slot holds: when another slot holds a longer prefix of its tokens, that prefix is
 * shared into the slot with {@code llama_kv_self_seq_cp}, which tags the same KV cells with a second sequence id rather
 * than copying them. So the instruction is computed once, an output-rail check reuses its request's tokens from the
 * input-rail check, and a resumed generation reuses everything it generated.
 *
 * <p>Prefill requests only compute a prompt prefix into a slot. They run on slots no check wants: checks are admitted
 * first, and a running prefill gives its slot up (keeping what it computed) as soon as a check waits for one.
 *
 * <p>Only the engine thread calls llama.cpp's decoding functions; tokenizing is read-only and safe from any thread.
 * The engine thread is a daemon, so a forgotten {@link #close()} never keeps the JVM alive.
 */
final class LlamaEngine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LlamaEngine.class.getName());

    /** How the context is sized and run. */
    record Settings(int slots, int slotContext, int batchSize, int threads, GgmlType kvCacheType) {
        Settings {
            if (slots < 1) throw new IllegalArgumentException("slots must be at least 1, was " + slots);
            if (slotContext < 16) throw new IllegalArgumentException("slotContext must be at least 16, was " + slotContext);
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, was " + threads);
            if (kvCacheType != GgmlType.F16 && kvCacheType != GgmlType.F32 && kvCacheType != GgmlType.Q8_0) {
                throw new IllegalArgumentException("kvCacheType must be F16, F32 or Q8_0, was " + kvCacheType);
            }
        }
    }

    /**
     * One generation to run, or with {@code prefillOnly} one prompt prefix to compute into a slot.
     *
     * @param prompt      the token ids, {@code <|begin_of_text|>} first (for a resume: the prompt's and the generated ones)
     * @param topLogprobs 0 reports no token probabilities
     * @param held        bytes of a character an earlier generation of these tokens left incomplete
     */
    record Request(int[] prompt, int maxTokens, List<String> stops, int topLogprobs, boolean ignoreEndOfText,
                   Optional<Instant> deadline, byte[] held, boolean prefillOnly) {

        static Request generate(int[] prompt, int maxTokens, List<String> stops, int topLogprobs,
                                boolean ignoreEndOfText, Optional<Instant> deadline, byte[] held) {
            return new Request(prompt, maxTokens, stops, topLogprobs, ignoreEndOfText, deadline, held, false);
        }

        static Request prefill(int[] prompt) {
            return new Request(prompt, 0, List.of(), 0, false, Optional.empty(), Utf8Pieces.NOTHING_HELD, true);
        }
    }

    /** Why a generation ended. */
    enum Finish { END_OF_TEXT, STOP_SEQUENCE, LENGTH, PREFILLED }

    /**
     * What a generation produced.
     *
     * @param tokens the generated token ids (an end-of-text token excluded)
     * @param text   the generated text up to a stop sequence
     * @param cut    the stop sequence and what followed it in the same token
     * @param held   bytes of a character the last tokens left incomplete (not in {@code text})
     */
    record Outcome(int[] tokens, String text, String cut, Finish finish, int promptTokens, int reusedPromptTokens,
                   List<GeneratedToken> choices, byte[] held) {
    }

    /** Totals since the engine started. */
    record Counters(long requests, long promptTokens, long reusedPromptTokens, long generatedTokens,
                    long decodeCalls, long batchedTokens) {
    }

    /** A submitted request: its result, and a way to stop it. */
    static final class Job {
        final Request request;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        volatile boolean cancelled;
        volatile boolean started;
        volatile int promptDone;
        volatile int generatedCount;

        Job(Request request) {
            this.request = request;
        }

        CompletableFuture<Outcome> result() {
            return result;
        }

        /** Stops the generation at the engine's next step; the slot keeps the KV state computed so far. */
        void cancel() {
            cancelled = true;
        }

        /** "waiting for a slot", "reading the prompt (n of m tokens)" or "after n generated tokens". */
        String progress() {
            if (!started) return "while waiting for a free slot";
            if (generatedCount == 0 && promptDone < request.prompt().length) {
                return "while reading the prompt (" + promptDone + " of " + request.prompt().length + " tokens)";
            }
            return "after " + generatedCount + " generated tokens";
        }
    }

    private final NativeLlama.Api api;
    private final Pointer model;
    private final Pointer ctx;
    private final Pointer vocab;
    private final int vocabSize;
    private final int bos;
    private final Settings settings;
    private final Slot[] slots;
    private final DecodeBatch batch;
    private final float[] logits;
    private final AtomicReferenceArray<byte[]> pieces;
    private final ArrayDeque<Job> checks = new ArrayDeque<>();
    private final ArrayDeque<Job> prefills = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workArrived = lock.newCondition();
    private final Thread thread;
    /** Calls from caller threads (tokenizing) hold the read lock; freeing the model takes the write lock. */
    private final ReentrantReadWriteLock nativeUse = new ReentrantReadWriteLock();
    private volatile boolean closing;
    private volatile boolean nativeFreed;
    private long clock;
    private int roundRobin;

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong reusedPromptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong decodeCalls = new AtomicLong();
    private final AtomicLong batchedTokens = new AtomicLong();

    private LlamaEngine(NativeLlama.Api api, Pointer model, Pointer ctx, Settings settings, String name) {
        this.api = api;
        this.model = model;
        this.ctx = ctx;
        this.vocab = api.llama_model_get_vocab(model);
        this.vocabSize = api.llama_vocab_n_tokens(vocab);
        this.bos = api.llama_vocab_bos(vocab);
        this.settings = settings;
        this.slots = new Slot[settings.slots()];
        for (int i = 0; i < slots.length; i++) slots[i] = new Slot(i);
        this.batch = new DecodeBatch(settings.batchSize() + settings.slots());
        this.logits = new float[vocabSize];
        this.pieces = new AtomicReferenceArray<>(vocabSize);
        this.thread = new Thread(this::run, "llama.cpp-engine-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Loads {@code gguf} (already checked by {@link GgufInspector}) and starts the engine thread.
     *
     * @throws IllegalStateException when llama.cpp cannot load the model or create the context, with its reason
     */
    static LlamaEngine start(NativeLlama llama, Path gguf, Settings settings, String name) {
        NativeLlama.Api api = llama.api();
        List<String> errors = new ArrayList<>();
        Pointer model = llama.withErrorListener(errors::add, () -> {
            NativeLlama.ModelParams.ByValue mp = api.llama_model_default_params();
            mp.n_gpu_layers = 0;
            return api.llama_model_load_from_file(gguf.toString(), mp);
        });
        if (model == null) {
            throw new IllegalStateException("llama.cpp could not load " + gguf + (errors.isEmpty() ? "" : ": "
                    + String.join("; ", errors)));
        }
        NativeLlama.ContextParams.ByValue cp = api.llama_context_default_params();
        cp.n_ctx = settings.slots() * settings.slotContext();
        cp.n_batch = settings.batchSize() + settings.slots();
        cp.n_ubatch = cp.n_batch;
        cp.n_seq_max = settings.slots();
        cp.n_threads = settings.threads();
        cp.n_threads_batch = settings.threads();
        cp.type_k = settings.kvCacheType().id;
        cp.type_v = settings.kvCacheType().id;
        // b4916 on the CPU: a quantized V cache needs flash attention, and flash attention aborts the process
        // (GGML_ASSERT "fattn: unsupported K-type") on an F32 K cache. So flash attention exactly for Q8_0.
        cp.flash_attn = (byte) (settings.kvCacheType() == GgmlType.Q8_0 ? 1 : 0);
        cp.defrag_thold = 0.1f; // as llama-server: keeps room for whole prefill chunks when slots free cells
        cp.no_perf = 1;
        Pointer ctx = llama.withErrorListener(errors::add, () -> api.llama_init_from_model(model, cp));
        if (ctx == null) {
            api.llama_model_free(model);
            throw new IllegalStateException("llama.cpp could not create a context of " + cp.n_ctx + " tokens for "
                    + gguf + (errors.isEmpty() ? "" : ": " + String.join("; ", errors))
                    + ". Lower slots or the context per slot, or free memory");
        }
        return new LlamaEngine(api, model, ctx, settings, name);
    }

    Settings settings() {
        return settings;
    }

    /** Whether {@code token} ends generation (end-of-text, end-of-turn, end-of-message). */
    boolean isEndOfGeneration(int token) {
        return withVocab(() -> api.llama_vocab_is_eog(vocab, token) != 0);
    }

    /** Whether {@code token} is a control token such as {@code <|eot_id|>} (llama_token_attr CONTROL). */
    boolean isControl(int token) {
        if (token < 0 || token >= vocabSize) return false;
        return withVocab(() -> (api.llama_vocab_get_attr(vocab, token) & (1 << 3)) != 0);
    }

    /** Runs a read-only vocabulary call unless the model is freed (or being freed): no use after free. */
    private <T> T withVocab(Supplier<T> call) {
        nativeUse.readLock().lock();
        try {
            if (nativeFreed) throw new IllegalStateException("closed");
            return call.get();
        } finally {
            nativeUse.readLock().unlock();
        }
    }

    /**
     * The tokens llama.cpp reads for {@code text}: {@code <|begin_of_text|>} once, then the text with special-token
     * parsing off, so that {@code <|eot_id|>} written in the text stays text.
     */
    int[] tokenize(String text) {
        if (closing) throw new IllegalStateException("closed");
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = withVocab(() -> {
            int[] buf = new int[utf8.length + 2];
            int n = api.llama_tokenize(vocab, utf8, utf8.length, buf, buf.length, (byte) 0, (byte) 0);
            if (n < 0) { // cannot happen (a token covers at least one byte), but llama.cpp asks for room this way
                buf = new int[-n];
                n = api.llama_tokenize(vocab, utf8, utf8.length, buf, buf.length, (byte) 0, (byte) 0);
            }
            return Arrays.copyOf(buf, n);
        });
        int n = tokens.length;
        int[] withBos = new int[n + 1];
        withBos[0] = bos;
        System.arraycopy(tokens, 0, withBos, 1, n);
        return withBos;
    }

    /** The bytes a token stands for (empty for control tokens). */
    byte[] piece(int token) {
        if (token < 0 || token >= vocabSize) return new byte[0];
        byte[] p = pieces.get(token);
        if (p == null) {
            p = withVocab(() -> {
                byte[] buf = new byte[64];
                int n = api.llama_token_to_piece(vocab, token, buf, buf.length, 0, (byte) 0);
                if (n < 0) {
                    buf = new byte[-n];
                    n = api.llama_token_to_piece(vocab, token, buf, buf.length, 0, (byte) 0);
                }
                return Arrays.copyOf(buf, Math.max(0, n));
            });
            pieces.set(token, p);
        }
        return p;
    }

    /** The text of a token sequence, its bytes decoded as UTF-8 at once. */
    String detokenize(int[] tokens) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int t : tokens) bytes.writeBytes(piece(t));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Queues a request; a check goes before every prefill. */
    Job submit(Request request) {
        Job job = new Job(request);
        lock.lock();
        try {
            if (closing) {
                job.result.completeExceptionally(new IllegalStateException("closed"));
                return job;
            }
            (request.prefillOnly() ? prefills : checks).add(job);
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        return job;
    }

    /** Wakes the engine so that it notices a cancelled job now rather than at its next step. */
    void wake() {
        lock.lock();
        try {
            workArrived.signal();
        } finally {
            lock.unlock();
        }
    }

    Counters counters() {
        return new Counters(requests.get(), promptTokens.get(), reusedPromptTokens.get(), generatedTokens.get(),
                decodeCalls.get(), batchedTokens.get());
    }

    boolean running() {
        return thread.isAlive() && !closing;
    }

    /**
     * Stops the engine: running and queued jobs fail, then the engine thread frees the context and the model. Waits up
     * to two minutes for a decode step in progress to end.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            workArrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) return;
        long timeoutMillis = 120_000;
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "The llama.cpp engine thread is still in a decode step after {0} ms; "
                    + "it frees the model when that step ends", timeoutMillis);
        }
    }

    // ------------------------------------------------------------------ engine thread

    private static final class Slot {
        final int seq;
        final IntList committed = new IntList(); // tokens whose KV is in the cache, at positions 0..size-1
        Job job;
        int promptIndex;   // next prompt token to read
        int promptLength;  // prompt tokens of the slot's latest job; the committed tokens after them were generated
        int pending = -1;  // sampled token whose KV is not computed yet
        // what this slot put into the current batch: either fedToken, or fed prompt tokens from feedFrom
        int fedToken = -1;
        int[] fedPrompt;
        int feedFrom;
        int fed;
        int batchStart;
        int logitsIndex = -1;
        long lastUsed;
        final IntList generated = new IntList();
        Utf8Pieces pieces;
        final StringBuilder written = new StringBuilder();
        List<GeneratedToken> choices;
        int reused;

        Slot(int seq) {
            this.seq = seq;
        }

        boolean idle() {
            return job == null;
        }

        boolean prefilling() {
            return job != null && job.request.prefillOnly();
        }
    }

    private void run() {
        try {
            while (admit()) step();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "The llama.cpp engine stopped: " + t, t);
            failAll(new IllegalStateException("the llama.cpp engine stopped: " + t.getMessage(), t));
        } finally {
            failAll(new IllegalStateException("closed"));
            freeNative();
        }
    }

    /**
     * Reaps cancelled or expired jobs, starts queued checks on idle slots (taking slots from prefills when none is
     * idle), then queued prefills on slots still idle; waits when there is nothing to do; false once closing.
     */
    private boolean admit() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closing) return false;
                for (Slot s : slots) {
                    if (s.job == null) continue;
                    if (s.job.cancelled) {
                        release(s);
                    } else if (expired(s.job)) {
                        s.job.result.completeExceptionally(new DeadlineException(s.job.progress()));
                        release(s);
                    }
                }
                while (!checks.isEmpty()) {
                    Job job = checks.peek();
                    if (job.cancelled || expired(job)) {
                        checks.poll();
                        if (!job.cancelled) job.result.completeExceptionally(new DeadlineException(job.progress()));
                        continue;
                    }
                    Slot s = idleSlotFor(job);
                    if (s == null) s = slotGivenUpByPrefill();
                    if (s == null) break;
                    assign(checks.poll(), s);
                }
                for (Slot s = idleSlotFor(prefills.peek()); s != null; s = idleSlotFor(prefills.peek())) {
                    Job job = prefills.poll();
                    if (!job.cancelled) assign(job, s);
                }
                for (Slot s : slots) {
                    if (s.job != null) return true;
                }
                workArrived.await(1, TimeUnit.SECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends a running prefill where it got to, so that a waiting check gets its slot; null when none runs. */
    private Slot slotGivenUpByPrefill() {
        for (Slot s : slots) {
            if (s.prefilling()) {
                finish(s, Finish.PREFILLED, "", "");
                return s;
            }
        }
        return null;
    }

    private static boolean expired(Job job) {
        return job.request.deadline().map(d -> !Instant.now().isBefore(d)).orElse(false);
    }

    /**
     * The idle slot whose cache the job destroys least: fewest cached tokens beyond the common prefix, then the longest
     * common prefix, then least recently used. A longer prefix held by another slot is shared in by {@link #assign}, so
     * an empty slot is better than overwriting, say, the warmed-up instruction.
     */
    private Slot idleSlotFor(Job job) {
        if (job == null) return null;
        Slot best = null;
        int bestLost = Integer.MAX_VALUE;
        int bestCommon = -1;
        for (Slot s : slots) {
            if (!s.idle()) continue;
            int common = s.committed.commonPrefix(job.request.prompt());
            int lost = s.committed.size - common;
            if (lost < bestLost || (lost == bestLost && (common > bestCommon
                    || (common == bestCommon && s.lastUsed < best.lastUsed)))) {
                best = s;
                bestLost = lost;
                bestCommon = common;
            }
        }
        return best;
    }

    private void assign(Job job, Slot slot) {
        Request r = job.request;
        int[] prompt = r.prompt();
        // A generation evaluates at least its last prompt token again, for the logits; a prefill keeps all it finds.
        int limit = r.prefillOnly() ? prompt.length : prompt.length - 1;
        dropGeneratedTextOfIdleSlots(slot, prompt);
        int own = slot.committed.commonPrefix(prompt);
        Slot donor = null;
        int donorCommon = own;
        for (Slot s : slots) {
            if (s == slot) continue;
            int common = s.committed.commonPrefix(prompt);
            if (common > donorCommon) {
                donor = s;
                donorCommon = common;
            }
        }
        int reuse;
        if (donor != null) {
            reuse = Math.min(donorCommon, limit);
            api.llama_kv_self_seq_rm(ctx, slot.seq, -1, -1);
            if (reuse > 0) api.llama_kv_self_seq_cp(ctx, donor.seq, slot.seq, 0, reuse);
            slot.committed.clear();
            slot.committed.addAll(prompt, 0, reuse);
        } else {
            reuse = Math.min(own, limit);
            api.llama_kv_self_seq_rm(ctx, slot.seq, reuse, -1);
            slot.committed.truncate(reuse);
        }
        slot.job = job;
        slot.promptLength = prompt.length;
        slot.promptIndex = reuse;
        slot.reused = reuse;
        slot.pending = -1;
        slot.generated.clear();
        slot.pieces = new Utf8Pieces(r.held());
        slot.written.setLength(0);
        slot.choices = r.topLogprobs() > 0 ? new ArrayList<>() : null;
        slot.lastUsed = ++clock;
        job.started = true;
        job.promptDone = reuse;
        if (r.prefillOnly()) {
            if (reuse == prompt.length) finish(slot, Finish.PREFILLED, "", "");
            return;
        }
        requests.incrementAndGet();
        promptTokens.addAndGet(prompt.length);
        reusedPromptTokens.addAndGet(reuse);
    }

    /**
     * Idle slots other than {@code taker} keep their prompts but drop the tokens they generated, unless the new prompt
     * goes on with them (a resume). Later checks share prompts (the instruction, a turn's request), never generated
     * text, while every cached cell slows every decode step: llama.cpp attends over the unified cache up to its
     * highest used cell and masks other sequences out. At the 3B shape, kept verdicts made the third output-rail check
     * in a row 13% slower than the first (docs/PERFORMANCE.md).
     */
    private void dropGeneratedTextOfIdleSlots(Slot taker, int[] prompt) {
        for (Slot s : slots) {
            if (s == taker || !s.idle()) continue;
            int keep = Math.max(s.promptLength, s.committed.commonPrefix(prompt));
            if (s.committed.size > keep) {
                api.llama_kv_self_seq_rm(ctx, s.seq, keep, -1);
                s.committed.truncate(keep);
            }
        }
    }

    private static void release(Slot s) {
        s.job = null;
        s.pending = -1;
        s.logitsIndex = -1;
    }

    /**
     * Builds one batch (a token per generating slot, then prompt chunks of checks round robin, then of prefills) and
     * decodes it.
     */
    private void step() {
        batch.clear();
        List<Slot> active = new ArrayList<>();
        for (Slot s : slots) {
            s.fed = 0;
            s.fedToken = -1;
            s.fedPrompt = null;
            s.logitsIndex = -1;
            if (s.job != null && s.pending >= 0) {
                s.batchStart = batch.size();
                s.logitsIndex = batch.add(s.pending, s.committed.size, s.seq, true);
                s.fedToken = s.pending;
                s.fed = 1;
                active.add(s);
            }
        }
        int prefillRoom = settings.batchSize();
        for (boolean prefills : new boolean[] {false, true}) {
            for (int k = 0; k < slots.length && prefillRoom > 0; k++) {
                Slot s = slots[(roundRobin + k) % slots.length];
                if (s.job == null || s.pending >= 0 || s.prefilling() != prefills) continue;
                prefillRoom -= feedPrompt(s, prefillRoom);
                if (s.fed > 0) active.add(s);
            }
        }
        roundRobin = (roundRobin + 1) % slots.length;
        if (batch.size() > 0) decode(active);
    }

    /** Puts up to {@code room} of the slot's unread prompt tokens into the batch; returns how many. */
    private int feedPrompt(Slot s, int room) {
        Request r = s.job.request;
        int[] prompt = r.prompt();
        int n = Math.min(room, prompt.length - s.promptIndex);
        if (n <= 0) return 0;
        s.batchStart = batch.size();
        for (int i = 0; i < n; i++) {
            int at = s.promptIndex + i;
            boolean last = at == prompt.length - 1 && !r.prefillOnly();
            int index = batch.add(prompt[at], s.committed.size + i, s.seq, last);
            if (last) s.logitsIndex = index;
        }
        s.fedPrompt = prompt;
        s.feedFrom = s.promptIndex;
        s.fed = n;
        return n;
    }

    /** Decodes the batch (in smaller views when the KV cache has no room for it whole), committing and sampling. */
    private void decode(List<Slot> active) {
        int n = batch.size();
        int view = n;
        int offset = 0;
        while (offset < n) {
            int length = Math.min(view, n - offset);
            int ret = api.llama_decode(ctx, batch.view(offset, length));
            decodeCalls.incrementAndGet();
            if (ret == 1 && length > 1) {
                view = Math.max(1, length / 2);
                continue;
            }
            if (ret != 0) {
                int used = api.llama_kv_self_used_cells(ctx);
                IllegalStateException e = new IllegalStateException("llama_decode failed (" + ret + ") on "
                        + length + " tokens with " + used + " of " + settings.slots() * settings.slotContext()
                        + " KV cells in use");
                for (Slot s : active) {
                    if (s.job != null) s.job.result.completeExceptionally(e);
                    api.llama_kv_self_seq_rm(ctx, s.seq, -1, -1);
                    s.committed.clear();
                    release(s);
                }
                return;
            }
            batchedTokens.addAndGet(length);
            for (Slot s : active) {
                commit(s, offset, offset + length);
                if (s.job != null && s.logitsIndex >= offset && s.logitsIndex < offset + length) {
                    sample(s, s.logitsIndex - offset);
                }
            }
            offset += length;
        }
        for (Slot s : active) {
            if (s.prefilling() && s.promptIndex == s.job.request.prompt().length) finish(s, Finish.PREFILLED, "", "");
        }
    }

    /** Records the slot's tokens within batch rows {@code [from, to)} as computed. */
    private static void commit(Slot s, int from, int to) {
        int start = Math.max(from, s.batchStart);
        int end = Math.min(to, s.batchStart + s.fed);
        if (start >= end) return;
        if (s.fedToken >= 0) {
            s.committed.add(s.fedToken);
        } else {
            int first = s.feedFrom + (start - s.batchStart);
            s.committed.addAll(s.fedPrompt, first, end - start);
            if (s.job != null && s.job.request.prompt() == s.fedPrompt) {
                s.promptIndex = first + (end - start);
                s.job.promptDone = s.promptIndex;
            }
        }
    }

    /** Picks the next token greedily from one row of logits and applies end-of-text, stop and length rules. */
    private void sample(Slot s, int row) {
        Pointer p = api.llama_get_logits_ith(ctx, row);
        if (p == null) throw new IllegalStateException("llama.cpp returned no logits for batch row " + row);
        p.read(0, logits, 0, vocabSize);
        int token = argmax(logits);
        Job job = s.job;
        Request r = job.request;
        if (!r.ignoreEndOfText() && isEndOfGeneration(token)) {
            finish(s, Finish.END_OF_TEXT, s.written.toString(), "");
            return;
        }
        if (s.choices != null) s.choices.add(choice(s.pieces, token, r.topLogprobs()));
        s.generated.add(token);
        job.generatedCount = s.generated.size;
        generatedTokens.incrementAndGet();
        int before = s.written.length();
        s.written.append(s.pieces.next(piece(token)));
        int stopAt = StopSequences.find(s.written, r.stops(), before - StopSequences.longest(r.stops()) + 1);
        if (stopAt >= 0) {
            String all = s.written.toString();
            finish(s, Finish.STOP_SEQUENCE, all.substring(0, stopAt), all.substring(stopAt));
            return;
        }
        if (s.generated.size >= r.maxTokens()) {
            finish(s, Finish.LENGTH, s.written.toString(), "");
            return;
        }
        s.pending = token;
    }

    private void finish(Slot s, Finish finish, String text, String cut) {
        Job job = s.job;
        Outcome outcome = new Outcome(s.generated.toArray(), text, cut, finish, job.request.prompt().length, s.reused,
                s.choices == null ? List.of() : List.copyOf(s.choices), s.pieces.held());
        release(s);
        job.result.complete(outcome);
    }

    private static int argmax(float[] values) {
        int best = 0;
        float bestValue = values[0];
        for (int i = 1; i < values.length; i++) {
            if (values[i] > bestValue) { // first maximum wins, as llama.cpp's greedy sampler
                best = i;
                bestValue = values[i];
            }
        }
        return best;
    }

    /**
     * The chosen token with its log-probability and the {@code k} likeliest tokens: a log-softmax over the whole
     * vocabulary (as llama-server's n_probs); texts as {@code pieces} would spell each token next.
     */
    private GeneratedToken choice(Utf8Pieces pieces, int token, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += Math.exp(v - max);
        double logSumExp = max + Math.log(sum);
        int[] top = new int[k];
        Arrays.fill(top, -1);
        for (int i = 0; i < logits.length; i++) {
            if (top[k - 1] >= 0 && logits[i] <= logits[top[k - 1]]) continue;
            int at = k - 1;
            while (at > 0 && (top[at - 1] < 0 || logits[i] > logits[top[at - 1]])) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        List<GeneratedToken.Alternative> alternatives = new ArrayList<>(k);
        for (int t : top) {
            if (t >= 0) alternatives.add(new GeneratedToken.Alternative(pieces.peek(piece(t)), logits[t] - logSumExp));
        }
        return new GeneratedToken(pieces.peek(piece(token)), logits[token] - logSumExp, alternatives);
    }

    private void failAll(Throwable t) {
        lock.lock();
        try {
            for (Slot s : slots) {
                if (s.job != null) s.job.result.completeExceptionally(t);
                release(s);
            }
            for (Job j : checks) j.result.completeExceptionally(t);
            for (Job j : prefills) j.result.completeExceptionally(t);
            checks.clear();
            prefills.clear();
        } finally {
            lock.unlock();
        }
    }

    private void freeNative() {
        nativeUse.writeLock().lock(); // waits for tokenizing callers to finish
        try {
            if (nativeFreed) return;
            nativeFreed = true;
            api.llama_free(ctx);
            api.llama_model_free(model);
        } finally {
            nativeUse.writeLock().unlock();
        }
    }

    /** The deadline passed; the message says when. */
    static final class DeadlineException extends RuntimeException {
        DeadlineException(String progress) {
            super("the deadline passed " + progress);
        }
    }
}
