package io.guardreasoner.llamacpp;

import io.guardreasoner.core.GuardBackendException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

/** The cache folder of GGUF conversions: a Hugging Face folder converted once per type, converted again when it changes. */
final class ConvertedModels {

    private static final System.Logger LOG = System.getLogger(ConvertedModels.class.getName());

    private ConvertedModels() {
    }

    /** {@code ~/.cache/guardreasoner/models}, the folder guard-jlama keeps its downloads and Q4 copies in too. */
    static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "guardreasoner", "models");
    }

    /**
     * The GGUF of {@code modelDir} in {@code cacheDir}, converted on first use. The cache key covers the converter
     * version, the type, and the name, size and modification time of every model file, so an updated model converts
     * again.
     *
     * @throws GuardBackendException when the folder is missing or cannot be converted; the message says why
     */
    static Path convertedOnce(Path modelDir, Path cacheDir, GgufType type) {
        if (!Files.isDirectory(modelDir)) {
            throw new GuardBackendException("The model folder " + modelDir + " does not exist; give a Hugging Face "
                    + "Llama folder (config.json, tokenizer.json, safetensors) or a GGUF file");
        }
        String name = modelDir.toAbsolutePath().normalize().getFileName().toString();
        Path target = cacheDir.resolve(name + "-" + cacheKey(modelDir, type)).resolve(name + "." + type.fileSuffix() + ".gguf");
        if (Files.isRegularFile(target)) {
            LOG.log(System.Logger.Level.INFO, "Using {0}, converted earlier from {1}", target, modelDir);
            return target;
        }
        LOG.log(System.Logger.Level.INFO, "Converting {0} to a {1} GGUF once, into {2}", modelDir, type.fileSuffix(), target);
        try {
            return GgufConverter.builder().type(type).modelName(name).build().convert(modelDir, target);
        } catch (GgufConverter.ConversionException | UncheckedIOException e) {
            throw new GuardBackendException(e.getMessage(), e);
        }
    }

    private static String cacheKey(Path modelDir, GgufType type) {
        try (Stream<Path> files = Files.list(modelDir)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(("converter " + GgufConverter.CONVERTER_VERSION + " " + type).getBytes(StandardCharsets.UTF_8));
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String n = f.getFileName().toString();
                if (!n.endsWith(".json") && !n.endsWith(".safetensors")) continue;
                digest.update((n + " " + Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new GuardBackendException("Cannot read the model folder " + modelDir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
