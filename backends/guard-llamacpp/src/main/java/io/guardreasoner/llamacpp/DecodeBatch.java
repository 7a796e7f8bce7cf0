package io.guardreasoner.llamacpp;

import com.sun.jna.Memory;
import com.sun.jna.Native;

/**
 * A reusable {@code llama_batch} whose arrays live in JNA-owned memory: one sequence id per token, logits requested
 * per token. Used by one thread only.
 */
final class DecodeBatch {

    private final int capacity;
    private final Memory tokens;
    private final Memory positions;
    private final Memory seqCounts;
    private final Memory seqIdPointers;
    private final Memory seqIds;
    private final Memory logits;
    private int size;

    DecodeBatch(int capacity) {
        this.capacity = capacity;
        this.tokens = new Memory(4L * capacity);
        this.positions = new Memory(4L * capacity);
        this.seqCounts = new Memory(4L * capacity);
        this.seqIdPointers = new Memory((long) Native.POINTER_SIZE * capacity);
        this.seqIds = new Memory(4L * capacity);
        this.logits = new Memory(capacity);
        for (int i = 0; i < capacity; i++) {
            seqCounts.setInt(4L * i, 1);
            seqIdPointers.setPointer((long) Native.POINTER_SIZE * i, seqIds.share(4L * i));
        }
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return size;
    }

    int remaining() {
        return capacity - size;
    }

    void clear() {
        size = 0;
    }

    /** Adds a token and returns its index in the batch (the index its logits are read back with). */
    int add(int token, int position, int seqId, boolean wantLogits) {
        if (size == capacity) throw new IllegalStateException("batch full");
        long at = 4L * size;
        tokens.setInt(at, token);
        positions.setInt(at, position);
        seqIds.setInt(at, seqId);
        logits.setByte(size, (byte) (wantLogits ? 1 : 0));
        return size++;
    }

    /** The first {@code n} tokens as a by-value struct for {@code llama_decode}. */
    NativeLlama.Batch.ByValue view(int offset, int n) {
        NativeLlama.Batch.ByValue b = new NativeLlama.Batch.ByValue();
        b.n_tokens = n;
        b.token = tokens.share(4L * offset);
        b.embd = null;
        b.pos = positions.share(4L * offset);
        b.n_seq_id = seqCounts.share(4L * offset);
        b.seq_id = seqIdPointers.share((long) Native.POINTER_SIZE * offset);
        b.logits = logits.share(offset);
        return b;
    }
}
