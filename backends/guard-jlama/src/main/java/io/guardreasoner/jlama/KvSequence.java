package io.guardreasoner.jlama;

import com.github.tjake.jlama.tensor.KvBufferCache;

/**
 * A token sequence whose KV state is kept: its ids, the exact text they stand for, and a buffer whose first
 * {@code valid} positions hold their keys and values. The last generated token is never run through the model, so
 * {@code valid} may be one short of the ids. Owns its buffer.
 *
 * @param ids       the ids, {@code <|begin_of_text|>} first: a prompt's, followed by what was generated after it
 * @param text      the text the ids stand for: the prompt followed by everything generated, as decoded
 * @param held      the first bytes of a character whose other bytes the next generated tokens would bring
 * @param valid     how many leading positions of {@code kv} are computed
 * @param resumable whether a stop sequence ended this generation, so that it may be resumed from its exact ids
 * @param kv        the keys and values
 */
record KvSequence(int[] ids, String text, byte[] held, int valid, boolean resumable, KvBufferCache.KvBuffer kv)
        implements AutoCloseable {

    KvSequence {
        if (valid < 0 || valid > ids.length) {
            throw new IllegalArgumentException("valid positions " + valid + " out of 0.." + ids.length);
        }
    }

    /** How many leading ids this sequence shares with {@code other}, among its computed positions; at most {@code limit}. */
    int commonPrefix(int[] other, int limit) {
        int n = Math.min(Math.min(valid, other.length), limit);
        int common = 0;
        while (common < n && ids[common] == other[common]) common++;
        return common;
    }

    @Override
    public void close() {
        kv.close();
    }
}
