package io.guardreasoner.llamacpp;

/** The ggml tensor types this module writes and reads, with their block layouts. */
enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
    BF16(30, 1, 2);

    /** The {@code ggml_type} id stored in GGUF tensor infos. */
    public final int id;
    /** Weights per block. */
    public final int blockSize;
    /** Bytes per block. */
    public final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes of one row of {@code columns} weights; {@code columns} must be a multiple of the block size. */
    public long rowBytes(long columns) {
        if (columns % blockSize != 0) {
            throw new IllegalArgumentException(name() + " needs rows in multiples of " + blockSize + " weights, got " + columns);
        }
        return columns / blockSize * blockBytes;
    }

    public static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
