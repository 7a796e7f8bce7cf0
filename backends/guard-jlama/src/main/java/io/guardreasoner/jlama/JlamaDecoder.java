package io.guardreasoner.jlama;

import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.internal.StopSequences;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Greedy decoding on a loaded Jlama model: the prompt's ids, a chunked prefill that notices deadlines, one token at a
 * time after that, and the KV state of a fixed prefix (GuardReasoner's instruction) computed once and copied into
 * every run. Not thread-safe: {@link JlamaBackend} runs one generation at a time.
 */
final class JlamaDecoder implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JlamaDecoder.class.getName());

    /** Prompt tokens per forward pass: large enough for efficient matrix products, small enough to notice a deadline. */
    private static final int PREFILL_CHUNK = 128;

    /** Llama-3's end tokens, besides those config.json names. */
    private static final List<String> END_TOKENS = List.of("<|end_of_text|>", "<|eot_id|>", "<|eom_id|>");

    private final AbstractModel model;
    private final Tokenizer tokenizer;
    private final KvBufferCache kvCache;
    private final int maxContextTokens;
    private final Set<Integer> endTokens;
    private final boolean ignoreEndOfText;
    private final SampleOutput logitsHead;
    private final String reusablePrefix;
    private int[] prefixIds;
    private KvBufferCache.KvBuffer prefixKv;

    /**
     * @param reusablePrefix text whose KV state is computed now and reused by every prompt that starts with it;
     *                       empty for none
     */
    JlamaDecoder(AbstractModel model, int maxContextTokens, boolean quantizedLogits, String reusablePrefix,
                 boolean ignoreEndOfText) {
        this.model = model;
        this.tokenizer = model.getTokenizer();
        this.kvCache = new KvBufferCache(model);
        this.maxContextTokens = maxContextTokens;
        this.endTokens = endTokens(model.getConfig(), tokenizer);
        this.ignoreEndOfText = ignoreEndOfText;
        this.logitsHead = quantizedLogits ? quantizedLogitsHead(model) : null;
        this.reusablePrefix = reusablePrefix;
        if (!reusablePrefix.isEmpty()) computePrefixState();
    }

    /** Generates a continuation of {@code prompt}; the caller serialises calls. */
    Generation generate(String prompt, GenerationOptions options) {
        int[] ids = encode(prompt);
        if (ids.length + options.maxTokens() > maxContextTokens) {
            throw new GuardBackendException("The prompt has " + ids.length + " tokens; with up to "
                    + options.maxTokens() + " generated tokens it exceeds the context limit of " + maxContextTokens
                    + " tokens. Shorten the texts (GuardPrompt caps each side), lower maxTokens, or raise "
                    + "maxContextTokens (the model allows " + model.getConfig().contextLength + ")");
        }
        Config c = model.getConfig();
        List<String> stops = options.stopSequences().stream().filter(s -> !s.isEmpty()).toList();
        int longestStop = StopSequences.longest(stops);
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
                int stopAt = StopSequences.find(text, stops, before - longestStop + 1);
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

    /** The prompt's token ids as the model reads them: one {@code <|begin_of_text|>}, then the text. */
    int[] encode(String text) {
        long[] encoded = tokenizer.encode(text);
        int bos = model.getConfig().bosToken;
        int skip = encoded.length > 0 && encoded[0] == bos ? 1 : 0;
        int[] ids = new int[encoded.length - skip + 1];
        ids[0] = bos;
        for (int i = skip; i < encoded.length; i++) ids[i - skip + 1] = Math.toIntExact(encoded[i]);
        return ids;
    }

    /** Tokens of the reusable prefix whose KV state is cached; 0 when reuse is off. */
    int cachedPrefixTokens() {
        return prefixIds == null ? 0 : prefixIds.length;
    }

    /** Whether the output projection runs with 8-bit activations. */
    boolean quantizedLogits() {
        return logitsHead != null;
    }

    /** Whether end-of-text tokens are generated through (benchmarks only). */
    boolean ignoresEndOfText() {
        return ignoreEndOfText;
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
    private static SampleOutput quantizedLogitsHead(AbstractModel model) {
        if (!"I8".equals(JlamaInternals.activationType(model))) return null;
        Config c = model.getConfig();
        if (c.logitMultiplier != null || c.finalLogitSoftCapping != null) return null;
        SampleOutput head = JlamaInternals.outputHead(model);
        return head != null && head.getOutputLogitsWeights().dType() == DType.Q4 ? head : null;
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
        if (prefixKv == null || !prompt.startsWith(reusablePrefix)) return 0;
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

    private static void checkDeadline(GenerationOptions options, int generated) {
        if (Thread.currentThread().isInterrupted()) {
            throw new GuardBackendException("interrupted after " + generated + " generated tokens");
        }
        if (options.expired()) {
            throw new GuardBackendException("the deadline passed after " + generated + " generated tokens");
        }
    }

    private static Set<Integer> endTokens(Config c, Tokenizer tokenizer) {
        Set<Integer> ends = new LinkedHashSet<>(c.eosTokens);
        for (String special : END_TOKENS) {
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
    public void close() {
        if (prefixKv != null) prefixKv.close();
        kvCache.close();
    }
}
