package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Turns a model directory into a Jlama model; the seam where {@link JlamaBackend} can load with another tokenizer or
 * fix the model after loading.
 */
@FunctionalInterface
interface JlamaModelLoader {

    /**
     * Loads the model in {@code modelDir} for generation.
     *
     * @param modelDir          a directory with config.json, tokenizer.json and safetensors
     * @param workingType       Jlama's working memory type, e.g. {@link DType#F32}
     * @param workingQuantType  the type activations are quantized to for matmuls, e.g. {@link DType#I8} for Q4 weights
     * @param modelQuantization quantize weights at load time to this type, or empty to use them as stored
     * @param workingDirectory  where Jlama may keep files, or empty for a temporary directory
     */
    AbstractModel load(Path modelDir, DType workingType, DType workingQuantType, Optional<DType> modelQuantization,
            Optional<Path> workingDirectory);

    /**
     * The default: the Llama-3 tokenizer with Hugging Face semantics and llama3 RoPE scaling, so the model reads the
     * ids and computes the rotations Llama-3.2 defines ({@link FaithfulLlamaLoader}).
     */
    static JlamaModelLoader faithful() {
        return FaithfulLlamaLoader::load;
    }

    /**
     * Jlama's own loader ({@code ModelSupport.loadModel}), kept for comparison: Jlama 0.8.4's tokenizer drops
     * characters above U+00FF and it ignores llama3 RoPE scaling.
     */
    static JlamaModelLoader jlama() {
        return (dir, working, workingQuant, modelQuant, workDir) -> ModelSupport.loadModel(
                AbstractModel.InferenceType.FULL_GENERATION, dir.toFile(), workDir.map(Path::toFile).orElse(null),
                working, workingQuant, modelQuant, Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
    }
}
