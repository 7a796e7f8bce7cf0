package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.llama.LlamaConfig;
import com.github.tjake.jlama.model.llama.LlamaModel;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.util.JsonSupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Loads a Llama-architecture model directory into Jlama so that it computes what Llama-3 defines: the Hugging Face
 * Llama-3 tokenizer ({@link JlamaTokenizerBridge}) instead of Jlama's, and llama3 RoPE scaling
 * ({@link Llama3RopeScaling}) when the config asks for it.
 *
 * <p>It does what {@code ModelSupport.loadModel} does for a Llama model, except that it hands the model our tokenizer
 * (Jlama picks its tokenizer class by reflection and keeps it in a final field) and fixes the rotary table after
 * loading. Set Jlama's thread count ({@code PhysicalCoreExecutor.overrideThreadCount}) before calling it.
 */
final class FaithfulLlamaLoader {

    private FaithfulLlamaLoader() {
    }

    /**
     * Loads the model for generation.
     *
     * @param modelDir          a directory with config.json ({@code model_type} llama), tokenizer.json and safetensors
     * @param workingType       Jlama's working memory type, e.g. {@link DType#F32}
     * @param workingQuantType  the type activations are quantized to for matmuls, e.g. {@link DType#I8} for Q4 weights
     * @param modelQuantization quantize weights at load time to this type, or empty to use them as stored
     * @param workingDirectory  where Jlama may keep files, or empty for a temporary directory
     * @throws IllegalArgumentException when the directory is not a Llama model with a Llama-3 tokenizer
     */
    public static LlamaModel load(Path modelDir, DType workingType, DType workingQuantType, Optional<DType> modelQuantization,
            Optional<Path> workingDirectory) {
        Objects.requireNonNull(modelDir, "modelDir");
        File configFile = modelDir.resolve("config.json").toFile();
        if (!configFile.isFile()) {
            throw new IllegalArgumentException("No config.json in " + modelDir + "; expected a Hugging Face model directory");
        }
        try {
            ModelSupport.ModelType type = SafeTensorSupport.detectModel(configFile);
            if (type != ModelSupport.ModelType.LLAMA) {
                throw new IllegalArgumentException(modelDir + " holds a " + type + " model; only Llama models are supported");
            }
            LlamaConfig config = JsonSupport.om.readValue(configFile, LlamaConfig.class);
            config.setWorkingDirectory(workingDirectory.map(Path::toFile).orElse(null));
            Llama3Tokenizer tokenizer = Llama3Tokenizer.load(modelDir);
            WeightLoader weights = SafeTensorSupport.loadWeights(modelDir.toFile());
            LlamaModel model = new LlamaModel(AbstractModel.InferenceType.FULL_GENERATION, config, weights,
                    new JlamaTokenizerBridge(tokenizer), workingType, workingQuantType, modelQuantization);
            Llama3RopeScaling.applyTo(model, modelDir);
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the model in " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /** Loads a model stored in float32 for exact float32 inference (tests and reference runs). */
    public static LlamaModel loadF32(Path modelDir) {
        if (!Files.isDirectory(modelDir)) throw new IllegalArgumentException("Not a directory: " + modelDir);
        return load(modelDir, DType.F32, DType.F32, Optional.empty(), Optional.empty());
    }
}
