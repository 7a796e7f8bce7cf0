package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.tensor.KvBufferCache;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The KV states a decoder keeps between calls: one pinned sequence (GuardReasoner's instruction), copied from and never
 * given away, and the few most recent sequences, least recently kept evicted first.
 *
 * <p>A new prompt starts from the kept sequence that shares the most leading ids with it. Attention at a position reads
 * only the positions before it, so when the new sequence covers that one (all but its last few ids: a longer prefix
 * of a streaming answer, the same prompt again, a check after its prefill) its buffer is taken over as it is and the
 * positions after the shared ids are written over. Otherwise (another check of the same turn, another turn) the
 * shared positions are copied, so that neither sequence loses its state; the pinned sequence, and a sequence a stop
 * sequence ended (which a resume still needs), are only ever copied from. Not thread-safe: the decoder's caller
 * serialises calls.
 */
final class KvSequences implements AutoCloseable {

    /** Ids at the end of a kept sequence that a new one may lack and still take its buffer: a word cut short. */
    static final int TAKE_OVER_SLACK = 8;

    private final AbstractModel model;
    private final KvBufferCache buffers;
    private final int capacity;
    private final Deque<KvSequence> recent = new ArrayDeque<>(); // most recently kept first
    private KvSequence pinned;

    /** @param capacity how many recent sequences to keep besides the pinned one; 0 keeps none */
    KvSequences(AbstractModel model, int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be at least 0, was " + capacity);
        this.model = model;
        this.buffers = new KvBufferCache(model);
        this.capacity = capacity;
    }

    /** An empty buffer. */
    KvBufferCache.KvBuffer newBuffer() {
        return buffers.getEphemeralKvBuffer();
    }

    /** Keeps {@code sequence} for good, to be copied from; replaces any pinned before. */
    void pin(KvSequence sequence) {
        if (pinned != null) pinned.close();
        pinned = sequence;
    }

    /** Tokens of the pinned sequence; 0 when none. */
    int pinnedTokens() {
        return pinned == null ? 0 : pinned.ids().length;
    }

    /** How many recent sequences are kept. */
    int size() {
        return recent.size();
    }

    /** A buffer for {@code ids} and how many of its leading positions already hold their KV state. */
    record Start(KvBufferCache.KvBuffer kv, int reused) {
    }

    /**
     * A buffer for {@code ids} holding the KV state of as many of their leading positions as a kept sequence shares,
     * at most {@code limit}: taken out of this cache, copied, or new.
     */
    Start start(int[] ids, int limit) {
        KvSequence best = null;
        int bestCommon = 0;
        for (KvSequence s : recent) {
            int common = s.commonPrefix(ids, limit);
            if (common > bestCommon) {
                best = s;
                bestCommon = common;
            }
        }
        int pinnedCommon = pinned == null ? 0 : pinned.commonPrefix(ids, limit);
        if (best != null && bestCommon > pinnedCommon) {
            if (best.resumable() || bestCommon < best.valid() - TAKE_OVER_SLACK) {
                return new Start(copy(best, bestCommon), bestCommon);
            }
            recent.remove(best);
            return new Start(best.kv(), bestCommon);
        }
        if (pinnedCommon > 0) return new Start(copy(pinned, pinnedCommon), pinnedCommon);
        return new Start(newBuffer(), 0);
    }

    /**
     * Takes out the kept generation that a stop sequence ended and that stands for exactly {@code text} (its prompt and
     * all it wrote), most recent first; null when none does.
     */
    KvSequence takeResumable(String text) {
        for (Iterator<KvSequence> it = recent.iterator(); it.hasNext(); ) {
            KvSequence s = it.next();
            if (s.resumable() && s.text().equals(text)) {
                it.remove();
                return s;
            }
        }
        return null;
    }

    /** Keeps {@code sequence} as the most recent one, closing the least recent beyond the capacity. */
    void keep(KvSequence sequence) {
        recent.addFirst(sequence);
        while (recent.size() > capacity) recent.removeLast().close();
    }

    /** Closes every recent sequence (the pinned one stays): memory ran out, and new calls need it more. */
    void forgetRecent() {
        recent.forEach(KvSequence::close);
        recent.clear();
    }

    /** A new buffer with the first {@code positions} positions of {@code from}'s. */
    private KvBufferCache.KvBuffer copy(KvSequence from, int positions) {
        Config c = model.getConfig();
        int layers = c.dctx().layerEnd - c.dctx().layerStart;
        int kvLength = c.dctx().kvSegmentLength;
        KvBufferCache.KvBuffer source = from.kv();
        KvBufferCache.KvBuffer kv = newBuffer();
        try {
            for (int layer = 0; layer < layers; layer++) {
                for (int pos = 0; pos < positions; pos++) {
                    kv.getKeyTensorForPosition(layer, pos)
                            .copyFrom(source.getKeyTensorForPosition(layer, pos), 0, 0, kvLength);
                    kv.getValTensorForPosition(layer, pos)
                            .copyFrom(source.getValTensorForPosition(layer, pos), 0, 0, kvLength);
                }
            }
            return kv;
        } catch (RuntimeException | Error e) {
            kv.close();
            if (e instanceof OutOfMemoryError) forgetRecent();
            throw e;
        }
    }

    @Override
    public void close() {
        forgetRecent();
        if (pinned != null) pinned.close();
        pinned = null;
        buffers.close();
    }
}
