package io.guardreasoner.llamacpp;

/**
 * The weight types {@link GgufConverter} writes; norms and {@code rope_freqs} stay F32 whatever the type, as in
 * llama.cpp's own {@code convert_hf_to_gguf.py}.
 */
public enum GgufType {
    /** Every tensor in float32: the exact weights, largest file, slowest. For fidelity checks. */
    F32(0, "f32"),
    /** Matrices in IEEE half precision. */
    F16(1, "f16"),
    /** Matrices in ggml's Q8_0 blocks (32 weights, one fp16 scale): near-lossless, about half of F16. */
    Q8_0(7, "q8_0"),
    /**
     * Matrices in ggml's Q4_0 blocks (32 weights in 4 bits, one fp16 scale), except the output projection (the token
     * embeddings when tied), which stays Q8_0: llama-quantize keeps that one matrix at higher precision too (it picks
     * Q6_K, a type this converter does not write). Fastest on the CPU.
     */
    Q4_0(2, "q4_0");

    private final int fileType;
    private final String fileSuffix;

    GgufType(int fileType, String fileSuffix) {
        this.fileType = fileType;
        this.fileSuffix = fileSuffix;
    }

    /** The {@code general.file_type} value ({@code llama_ftype}) llama.cpp reads for this type. */
    public int fileType() {
        return fileType;
    }

    /** The lower-case name llama.cpp's tools use, e.g. {@code q4_0}; also the cache file name suffix. */
    public String fileSuffix() {
        return fileSuffix;
    }
}
