package io.guardreasoner.jlama;

import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.internal.StopSequences;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Greedy decoding on a loaded Jlama model: the prompt's ids (read as plain text), a chunked prefill that notices
 * deadlines, one token at a time after that, and KV states kept across calls ({@link KvSequences}): the instruction's,
 * computed once, and those of the last few sequences, so that a prompt sharing leading tokens with one of them
 * (the output rail after the input rail, a resumed generation, a prefilled prefix) computes only the rest. Not
 * thread-safe: {@link JlamaBackend} runs one call at a time.
 */
final class JlamaDecoder implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JlamaDecoder.class.getName());

    /** Prompt tokens per forward pass: large enough for efficient matrix products, small enough to notice a deadline. */
    private static final int PREFILL_CHUNK = 128;

    /** Tokens per forward pass of a background prefill, which gives way to a waiting check between passes. */
    private static final int BACKGROUND_CHUNK = 32;

    /** Llama-3's end tokens, besides those config.json names. */
    private static final List<String> END_TOKENS = List.of("<|end_of_text|>", "<|eot_id|>", "<|eom_id|>");

    private final AbstractModel model;
    private final TokenText tokens;
    private final KvSequences sequences;
    private final int maxContextTokens;
    private final Set<Integer> endTokens;
    private final boolean ignoreEndOfText;
    private final SampleOutput logitsHead;
    private long prefilledPositions;
    private Consumer<int[]> promptIdsObserver = ids -> { };

    /**
     * @param reusablePrefix text whose KV state is computed now and copied into every prompt that starts with it;
     *                       empty for none
     * @param keptSequences  how many recent sequences keep their KV state for later calls; 0 for none
     */
    JlamaDecoder(AbstractModel model, int maxContextTokens, boolean quantizedLogits, String reusablePrefix,
                 int keptSequences, boolean ignoreEndOfText) {
        this.model = model;
        this.tokens = TokenText.of(model);
        this.sequences = new KvSequences(model, keptSequences);
        this.maxContextTokens = maxContextTokens;
        this.endTokens = endTokens(model.getConfig(), tokens);
        this.ignoreEndOfText = ignoreEndOfText;
        this.logitsHead = quantizedLogits ? quantizedLogitsHead(model) : null;
        if (!reusablePrefix.isEmpty()) pin(reusablePrefix);
    }

    /** Generates a continuation of {@code prompt}; the caller serialises calls. */
    Generation generate(String prompt, GenerationOptions options) {
        int[] ids = encode(prompt);
        promptIdsObserver.accept(ids.clone());
        requireRoom(ids.length, options);
        KvSequences.Start start = sequences.start(ids, ids.length - 1); // keep one token to run for the logits
        return run(ids, start.kv(), start.reused(), tokens.pieces(TokenText.NOTHING_HELD), prompt, options);
    }

    /**
     * Continues {@code stopped}, a generation for {@code prompt} that a stop sequence ended, from its own token ids
     * and KV state, so that the result equals one generation without that stop sequence token for token. When that
     * state is no longer kept, generates from the text {@code prompt + stopped.written()} instead.
     */
    Generation resume(String prompt, Generation stopped, GenerationOptions options) {
        String text = prompt + stopped.written();
        KvSequence kept = sequences.takeResumable(text);
        if (kept == null) {
            LOG.log(System.Logger.Level.DEBUG, "The stopped generation's state is no longer kept; going on from its text");
            return stopped.followedBy(generate(text, options));
        }
        try {
            requireRoom(kept.ids().length, options);
        } catch (GuardBackendException e) {
            sequences.keep(kept);
            throw e;
        }
        int from = Math.min(kept.valid(), kept.ids().length - 1);
        return stopped.followedBy(run(kept.ids(), kept.kv(), from, tokens.pieces(kept.held()), text, options));
    }

    /**
     * Computes the KV state of {@code promptPrefix} and keeps it, so that a later prompt starting with the same tokens
     * skips them. Stops early, keeping what it computed, once {@code giveWay} says a call is waiting or the thread is
     * interrupted.
     */
    void prefill(String promptPrefix, BooleanSupplier giveWay) {
        int[] ids = encode(promptPrefix);
        promptIdsObserver.accept(ids.clone());
        if (ids.length > maxContextTokens) return; // the check itself will say it is too long
        KvSequences.Start start = sequences.start(ids, ids.length);
        KvBufferCache.KvBuffer kv = start.kv();
        int valid = start.reused();
        try {
            while (valid < ids.length && !giveWay.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                int end = Math.min(ids.length, valid + BACKGROUND_CHUNK);
                forward(ids, valid, end, kv).close();
                valid = end;
            }
        } catch (RuntimeException | Error e) {
            release(kv, e);
            throw e;
        }
        if (valid == 0) kv.close();
        else sequences.keep(new KvSequence(ids, promptPrefix, TokenText.NOTHING_HELD, valid, false, kv));
    }

    /**
     * Runs {@code ids} from position {@code from} (the positions before it are in {@code kv}), then generates; keeps
     * the whole sequence's state afterwards, or on a deadline what was computed of it.
     */
    private Generation run(int[] ids, KvBufferCache.KvBuffer kv, int from, TokenText.Pieces pieces, String prompt,
                           GenerationOptions options) {
        Config c = model.getConfig();
        List<String> stops = options.stopSequences().stream().filter(s -> !s.isEmpty()).toList();
        int longestStop = StopSequences.longest(stops);
        int k = options.topLogprobs();
        int[] sequence = Arrays.copyOf(ids, ids.length + options.maxTokens());
        int length = ids.length;
        int valid = from;
        StringBuilder written = new StringBuilder();
        List<GeneratedToken> generatedTokens = new ArrayList<>();
        int generated = 0;
        int stopAt = -1;
        Generation.FinishReason reason = Generation.FinishReason.LENGTH;
        try (AbstractTensor logits = model.makeDenseTensor(c.vocabularySize)) {
            int next = -1;
            while (next < 0) {
                int end = Math.min(ids.length, valid + PREFILL_CHUNK);
                try (AbstractTensor out = forward(ids, valid, end, kv)) {
                    valid = end;
                    if (end == ids.length) next = greedy(out.slice(out.shape().first() - 1), logits);
                }
                if (next < 0) checkDeadline(options, 0);
            }
            TokenChoice choice = k > 0 ? TokenChoice.read(logits, c.vocabularySize, next, k) : null;
            while (true) {
                checkDeadline(options, generated);
                if (endTokens.contains(next) && !ignoreEndOfText) {
                    reason = Generation.FinishReason.END_OF_TEXT;
                    break;
                }
                generated++;
                sequence[length++] = next;
                if (choice != null) generatedTokens.add(choice.toToken(pieces.peek(next), pieces::peek));
                int before = written.length();
                written.append(pieces.next(next));
                stopAt = StopSequences.find(written, stops, before - longestStop + 1);
                if (stopAt >= 0) {
                    reason = Generation.FinishReason.STOP_SEQUENCE;
                    break;
                }
                if (generated >= options.maxTokens()) break;
                try (AbstractTensor out = model.forward(next, valid, kv, Optional.empty())) {
                    valid++;
                    next = greedy(out, logits);
                }
                if (choice != null) choice = TokenChoice.read(logits, c.vocabularySize, next, k);
            }
        } catch (GuardBackendException deadlineOrInterrupt) {
            // What was computed stays valid: a retry of the same check starts from there.
            if (valid == 0) kv.close();
            else sequences.keep(new KvSequence(Arrays.copyOf(sequence, length), prompt + written, pieces.held(), valid,
                    false, kv));
            throw deadlineOrInterrupt;
        } catch (RuntimeException | Error e) {
            release(kv, e);
            throw e;
        }
        String all = written.toString();
        sequences.keep(new KvSequence(Arrays.copyOf(sequence, length), prompt + all, pieces.held(), valid,
                reason == Generation.FinishReason.STOP_SEQUENCE, kv));
        return new Generation(stopAt >= 0 ? all.substring(0, stopAt) : all, OptionalInt.of(ids.length),
                OptionalInt.of(generated), reason, stopAt >= 0 ? all.substring(stopAt) : "",
                k > 0 ? generatedTokens : List.of());
    }

    /** Frees a buffer a call failed with; when memory ran out, the kept sequences' too, so later calls can run. */
    private void release(KvBufferCache.KvBuffer kv, Throwable failure) {
        kv.close();
        if (failure instanceof OutOfMemoryError) sequences.forgetRecent();
    }

    /** Runs positions {@code from..end-1} of {@code ids} through the model in one pass; returns their hidden states. */
    private AbstractTensor forward(int[] ids, int from, int end, KvBufferCache.KvBuffer kv) {
        AbstractTensor out = model.batchForward(Arrays.copyOfRange(ids, from, end), from, kv);
        prefilledPositions += end - from;
        return out;
    }

    /** The prompt's token ids as the model reads them: one {@code <|begin_of_text|>}, then the text as plain text. */
    int[] encode(String text) {
        return tokens.promptIds(text);
    }

    /** Tokens of the reusable prefix whose KV state is pinned; 0 when reuse is off. */
    int cachedPrefixTokens() {
        return sequences.pinnedTokens();
    }

    /** How many recent sequences keep their KV state now. */
    int keptSequences() {
        return sequences.size();
    }

    /** Positions run through the model in prompt passes (the pinned prefix's, prompts', prefills') so far. */
    long prefilledPositions() {
        return prefilledPositions;
    }

    /** Tests: sees the ids of every prompt (and prefilled prefix) as tokenized, before any is run. */
    void observePromptIds(Consumer<int[]> observer) {
        this.promptIdsObserver = observer;
    }

    /** Whether the output projection runs with 8-bit activations. */
    boolean quantizedLogits() {
        return logitsHead != null;
    }

    /** Whether end-of-text tokens are generated through (benchmarks only). */
    boolean ignoresEndOfText() {
        return ignoreEndOfText;
    }

    private void requireRoom(int sequenceTokens, GenerationOptions options) {
        if (sequenceTokens + options.maxTokens() > maxContextTokens) {
            throw new GuardBackendException("The prompt has " + sequenceTokens + " tokens; with up to "
                    + options.maxTokens() + " generated tokens it exceeds the context limit of " + maxContextTokens
                    + " tokens. Shorten the texts (GuardPrompt caps each side), lower maxTokens, or raise "
                    + "maxContextTokens (the model allows " + model.getConfig().contextLength + ")");
        }
    }

    /**
     * The most likely next token; {@code logits} holds the logits it was chosen from afterwards. On the Q4 path the
     * final hidden state is quantized to 8 bits before the output projection, as Jlama already does inside every
     * layer: Jlama's own {@code sample} multiplies float activations with the (large, tied) Q4 output matrix on a much
     * slower kernel.
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
    private static SampleOutput quantizedLogitsHead(AbstractModel model) {
        if (!"I8".equals(JlamaInternals.activationType(model))) return null;
        Config c = model.getConfig();
        if (c.logitMultiplier != null || c.finalLogitSoftCapping != null) return null;
        SampleOutput head = JlamaInternals.outputHead(model);
        return head != null && head.getOutputLogitsWeights().dType() == DType.Q4 ? head : null;
    }

    /** Runs the reusable prefix through the model once and pins its KV state. */
    private void pin(String prefix) {
        int[] ids = encode(prefix);
        KvBufferCache.KvBuffer kv = sequences.newBuffer();
        try (AbstractTensor ignored = forward(ids, 0, ids.length, kv)) {
            sequences.pin(new KvSequence(ids, prefix, TokenText.NOTHING_HELD, ids.length, false, kv));
        } catch (RuntimeException e) {
            kv.close();
            throw e;
        }
    }

    private static void checkDeadline(GenerationOptions options, int generated) {
        if (Thread.currentThread().isInterrupted()) {
            throw new GuardBackendException("interrupted after " + generated + " generated tokens");
        }
        if (options.expired()) {
            throw new GuardBackendException("the deadline passed after " + generated + " generated tokens");
        }
    }

    /** The end tokens: those config.json names and Llama-3's, looked up by name (never by encoding their text). */
    private static Set<Integer> endTokens(Config c, TokenText tokens) {
        Set<Integer> ends = new LinkedHashSet<>(c.eosTokens);
        for (String name : END_TOKENS) tokens.specialId(name).ifPresent(ends::add);
        return Set.copyOf(ends);
    }

    @Override
    public void close() {
        sequences.close();
    }
}
