package io.guardreasoner.llamacpp;

import io.guardreasoner.llamacpp.GgufConverter.ConversionException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the JSON files of a model folder, naming the file in every error. */
final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConversionException("The model folder " + file.getParent() + " has no " + file.getFileName()
                    + "; a Hugging Face Llama folder holds config.json, tokenizer.json and model.safetensors (or "
                    + "model.safetensors.index.json with its shards)");
        }
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConversionException(file + " is not valid JSON (" + e.getMessage() + "); download it again", e);
        }
    }
}
