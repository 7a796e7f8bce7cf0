package io.guardreasoner.jlama;

import com.github.tjake.jlama.safetensors.DType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a model's files are and how they run: the source folder (given, or downloaded from Hugging Face), its stored
 * weight type, and the folder actually loaded (the source, or its pre-quantized Q4 copy in the cache).
 *
 * @param modelId       the id reported for cache keys and metrics
 * @param sourceDir     the folder the model came from
 * @param storedType    the safetensors weight type, e.g. {@code BF16}
 * @param quantization  how the weights run (NONE for weights that are not floating point)
 * @param loadedDir     the folder Jlama loads
 * @param activations   the type activations are quantized to for matrix products
 * @param loadTimeQuant a type Jlama quantizes weights to at load time, if any
 */
record ResolvedModel(String modelId, Path sourceDir, String storedType, JlamaBackend.Quantization quantization,
                     Path loadedDir, DType activations, Optional<DType> loadTimeQuant) {

    private static final System.Logger LOG = System.getLogger(ResolvedModel.class.getName());

    /**
     * Finds (downloading when needed) and prepares (pre-quantizing once when asked) the model a builder names.
     *
     * @throws io.guardreasoner.core.GuardBackendException when the model cannot be found, downloaded or read
     */
    static ResolvedModel resolve(Path modelDir, String model, String modelIdOverride, Path cacheDir,
                                 Optional<String> authToken, JlamaBackend.Quantization wanted) {
        Path source;
        String id;
        if (modelDir != null) {
            source = modelDir;
            id = modelIdOverride != null ? modelIdOverride : modelDir.toAbsolutePath().normalize().getFileName().toString();
        } else {
            String hfId = model != null ? model : JlamaBackend.DEFAULT_MODEL;
            source = HuggingFaceDownload.resolve(hfId, cacheDir, authToken);
            id = modelIdOverride != null ? modelIdOverride : hfId;
        }
        List<Path> weights = ModelDirectory.validate(source);
        String stored = ModelDirectory.storedWeightType(weights);
        boolean floating = stored.equals("BF16") || stored.equals("F32") || stored.equals("F16");
        JlamaBackend.Quantization quantization = floating ? wanted : JlamaBackend.Quantization.NONE;
        return switch (quantization) {
            case PRE_QUANTIZED_Q4 -> {
                Path target = Q4PreQuantizer.targetFor(source, weights, cacheDir);
                if (Q4PreQuantizer.isDone(target)) {
                    LOG.log(System.Logger.Level.INFO, "Using pre-quantized Q4 weights in {0}", target);
                } else {
                    LOG.log(System.Logger.Level.INFO, "Pre-quantizing {0} ({1}) to Q4 once, into {2}", source, stored, target);
                }
                yield new ResolvedModel(id, source, stored, quantization, Q4PreQuantizer.quantize(source, target),
                        DType.I8, Optional.empty());
            }
            // Jlama leaves the sparse-loaded matrices unquantized, and its kernels have no I8 x BF16 path.
            case RUNTIME_Q4 -> new ResolvedModel(id, source, stored, quantization, source, DType.F32, Optional.of(DType.Q4));
            case NONE -> new ResolvedModel(id, source, stored, quantization, source,
                    stored.equals("Q4") ? DType.I8 : DType.F32, Optional.empty());
        };
    }

    /** Where downloads and pre-quantized weights go unless told otherwise. */
    static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "guardreasoner", "models");
    }
}
