package io.guardreasoner.llamacpp;

/** How llama.cpp stores the KV cache of {@link LlamaCppBackend}'s slots. */
public enum KvCacheType {
    /** llama.cpp's default: half the memory of F32, logits within about 1e-3 of it. */
    F16(GgmlType.F16),
    /** Exact attention state; twice the memory of F16. For fidelity checks. */
    F32(GgmlType.F32),
    /** Half the memory of F16 again, slightly less exact; runs with flash attention, which llama.cpp requires for it. */
    Q8_0(GgmlType.Q8_0);

    final GgmlType ggmlType;

    KvCacheType(GgmlType ggmlType) {
        this.ggmlType = ggmlType;
    }
}
