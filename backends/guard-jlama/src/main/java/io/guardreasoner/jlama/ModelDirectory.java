package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.GuardBackendException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a Hugging Face model directory before Jlama sees it, so that a missing or broken file is named. */
final class ModelDirectory {

    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelDirectory() {
    }

    /** Whether the directory holds every file a model needs (no messages; for the download decision). */
    static boolean isComplete(Path dir) {
        try {
            validate(dir);
            return true;
        } catch (GuardBackendException e) {
            return false;
        }
    }

    /**
     * Checks that config.json (a Llama config), tokenizer.json and the safetensors (single, or every shard the
     * index names) are present and readable; returns the weight files.
     *
     * @throws GuardBackendException naming the first missing or broken file
     */
    static List<Path> validate(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new GuardBackendException("The Jlama model directory " + dir + " does not exist; it must hold "
                    + CONFIG + ", " + TOKENIZER + " and " + SINGLE + " (or " + INDEX + " with its shards)");
        }
        JsonNode config = readJson(dir, CONFIG);
        if (!config.hasNonNull("model_type")) {
            throw new GuardBackendException(dir.resolve(CONFIG) + " has no model_type; it is not a Hugging Face model config");
        }
        String type = config.get("model_type").asText();
        if (!"llama".equalsIgnoreCase(type)) {
            throw new GuardBackendException(dir.resolve(CONFIG) + " describes a '" + type
                    + "' model; GuardReasoner needs a Llama model (model_type llama)");
        }
        JsonNode tokenizer = readJson(dir, TOKENIZER);
        if (!tokenizer.has("model")) {
            throw new GuardBackendException(dir.resolve(TOKENIZER) + " has no 'model' section; it is not a Hugging Face tokenizer");
        }
        List<Path> weights = new ArrayList<>();
        if (Files.exists(dir.resolve(INDEX))) {
            JsonNode index = readJson(dir, INDEX);
            JsonNode map = index.get("weight_map");
            if (map == null || !map.isObject() || map.isEmpty()) {
                throw new GuardBackendException(dir.resolve(INDEX) + " has no weight_map");
            }
            Set<String> files = new LinkedHashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) files.add(it.next().getValue().asText());
            for (String f : files) {
                Path shard = dir.resolve(f);
                if (!Files.isRegularFile(shard)) {
                    throw new GuardBackendException("The shard " + f + " named in " + dir.resolve(INDEX) + " is missing");
                }
                checkSafetensorsHeader(shard);
                weights.add(shard);
            }
        } else if (Files.exists(dir.resolve(SINGLE))) {
            checkSafetensorsHeader(dir.resolve(SINGLE));
            weights.add(dir.resolve(SINGLE));
        } else {
            throw new GuardBackendException("No weights in " + dir + ": expected " + SINGLE + " or " + INDEX
                    + " with its shards");
        }
        return weights;
    }

    /** The stored dtype of the model's matrices (e.g. BF16, F32, Q4), read from the first q_proj it finds. */
    static String storedWeightType(List<Path> weightFiles) {
        String fallback = null;
        for (Path f : weightFiles) {
            JsonNode header = readSafetensorsHeader(f);
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                String dtype = e.getValue().path("dtype").asText();
                if (e.getKey().endsWith("q_proj.weight")) return dtype;
                if (fallback == null) fallback = dtype;
            }
        }
        return fallback == null ? "unknown" : fallback;
    }

    private static JsonNode readJson(Path dir, String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new GuardBackendException("The Jlama model directory " + dir + " has no " + name);
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new GuardBackendException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static void checkSafetensorsHeader(Path file) {
        readSafetensorsHeader(file);
    }

    static JsonNode readSafetensorsHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(len, 0) != 8) throw new GuardBackendException(file + " is too short to be safetensors");
            long headerLength = len.flip().getLong();
            if (headerLength <= 0 || headerLength > Math.min(size - 8, 100L << 20)) {
                throw new GuardBackendException(file + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining() && ch.read(header, 8 + header.position()) > 0) {
                // read fully
            }
            return JSON.readTree(header.array());
        } catch (IOException e) {
            throw new GuardBackendException(file + " is not a readable safetensors file: " + e.getMessage(), e);
        }
    }
}
