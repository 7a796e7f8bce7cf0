package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.Config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Llama-3's rotary-embedding frequency scaling ({@code "rope_scaling": {"rope_type": "llama3", ...}}), which Jlama
 * 0.8.4 ignores, and the fix that writes the scaled frequencies into a loaded Jlama model.
 *
 * <p>The frequencies follow Hugging Face transformers' {@code _compute_llama3_parameters} operation by operation in
 * float32: wavelengths shorter than {@code original_max_position_embeddings / high_freq_factor} keep their frequency,
 * those longer than {@code original_max_position_embeddings / low_freq_factor} are divided by {@code factor}, and
 * those in between are interpolated.
 *
 * @param factor                        how much the long wavelengths are stretched (32 for Llama-3.2)
 * @param lowFreqFactor                 {@code low_freq_factor} (1 for Llama-3.2)
 * @param highFreqFactor                {@code high_freq_factor} (4 for Llama-3.2)
 * @param originalMaxPositionEmbeddings {@code original_max_position_embeddings} (8192 for Llama-3.2)
 */
record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

    public Llama3RopeScaling {
        if (!(factor >= 1) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("Invalid llama3 rope_scaling: factor=" + factor + ", low_freq_factor="
                    + lowFreqFactor + ", high_freq_factor=" + highFreqFactor + ", original_max_position_embeddings="
                    + originalMaxPositionEmbeddings + " (need factor >= 1 and 0 < low_freq_factor < high_freq_factor)");
        }
    }

    /** Llama-3.1 / 3.2's published values: factor 32, low 1, high 4, original context 8192. */
    public static Llama3RopeScaling llama32() {
        return new Llama3RopeScaling(32, 1, 4, 8192);
    }

    /**
     * The llama3 scaling a model's {@code config.json} asks for: empty when it has no {@code rope_scaling} or one Jlama
     * applies itself ({@code default}, {@code linear}).
     *
     * @throws IllegalArgumentException for a rope type that Jlama would silently ignore, or a malformed llama3 entry
     */
    public static Optional<Llama3RopeScaling> fromConfig(JsonNode config) {
        JsonNode scaling = config.path("rope_scaling");
        if (scaling.isMissingNode() || scaling.isNull()) return Optional.empty();
        String type = scaling.path("rope_type").asText(scaling.path("type").asText("default")).toLowerCase(Locale.ROOT);
        switch (type) {
            case "default", "linear" -> {
                return Optional.empty();
            }
            case "llama3" -> {
                return Optional.of(new Llama3RopeScaling(
                        required(scaling, "factor").asDouble(),
                        required(scaling, "low_freq_factor").asDouble(),
                        required(scaling, "high_freq_factor").asDouble(),
                        required(scaling, "original_max_position_embeddings").asInt()));
            }
            default -> throw new IllegalArgumentException("rope_scaling type '" + type + "' is not supported: Jlama would "
                    + "ignore it and compute a different model. Supported: default, linear, llama3");
        }
    }

    /** {@link #fromConfig(JsonNode)} for a model directory (its {@code config.json}) or a config file. */
    public static Optional<Llama3RopeScaling> fromConfig(Path modelDirOrConfigJson) {
        return fromConfig(readConfig(modelDirOrConfigJson));
    }

    private static JsonNode required(JsonNode scaling, String field) {
        JsonNode v = scaling.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("llama3 rope_scaling lacks '" + field + "': " + scaling);
        }
        return v;
    }

    static JsonNode readConfig(Path modelDirOrConfigJson) {
        Path file = Files.isDirectory(modelDirOrConfigJson) ? modelDirOrConfigJson.resolve("config.json") : modelDirOrConfigJson;
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Plain RoPE inverse frequencies {@code 1 / theta^(2i/headSize)}, in float32 like transformers'
     * {@code _compute_default_rope_parameters}.
     */
    public static float[] defaultInverseFrequencies(int headSize, double theta) {
        if (headSize <= 0 || headSize % 2 != 0) throw new IllegalArgumentException("headSize must be even and positive: " + headSize);
        float[] inv = new float[headSize / 2];
        float base = (float) theta;
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headSize;
            inv[i] = 1.0f / (float) Math.pow(base, exponent);
        }
        return inv;
    }

    /** The llama3-scaled inverse frequencies for a head size and base {@code theta} ({@code rope_theta}). */
    public float[] inverseFrequencies(int headSize, double theta) {
        float[] inv = defaultInverseFrequencies(headSize, theta);
        float f = (float) factor;
        float low = (float) lowFreqFactor;
        float high = (float) highFreqFactor;
        float old = (float) originalMaxPositionEmbeddings;
        float lowFreqWavelen = (float) (originalMaxPositionEmbeddings / lowFreqFactor);
        float highFreqWavelen = (float) (originalMaxPositionEmbeddings / highFreqFactor);
        float twoPi = (float) (2 * Math.PI);
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            float wavelen = twoPi / inv[i];
            float scaled = wavelen > lowFreqWavelen ? inv[i] / f : inv[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = (old / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / f + smooth * scaled;
            }
            out[i] = scaled;
        }
        return out;
    }

    /**
     * Overwrites a Jlama rotary table in place: entry {@code position * (headSize/2) + i} becomes
     * {@code {cos, sin}(position * inverseFrequencies[i])}, the angle rounded to float32 as transformers does.
     */
    public static void fillRotaryTable(float[][] table, float[] inverseFrequencies) {
        int half = inverseFrequencies.length;
        if (table.length % half != 0) {
            throw new IllegalArgumentException("Rotary table of " + table.length + " entries does not hold whole positions of "
                    + half + " frequencies");
        }
        int positions = table.length / half;
        for (int p = 0; p < positions; p++) {
            int row = p * half;
            for (int i = 0; i < half; i++) {
                float angle = (float) p * inverseFrequencies[i];
                float[] entry = table[row + i];
                entry[0] = (float) Math.cos(angle);
                entry[1] = (float) Math.sin(angle);
            }
        }
    }

    /**
     * Makes a loaded Jlama model use the rotary frequencies its {@code config.json} defines: rewrites the model's
     * rotary table (Jlama's {@link Config#ropeFreqs}) with llama3-scaled frequencies when the config asks for them.
     * Call it once, after loading and before the first forward pass.
     *
     * @return whether the table was rewritten (false when the config has no llama3 scaling)
     * @throws IllegalArgumentException when the config and the loaded model disagree, or the rope type is unsupported
     */
    public static boolean applyTo(AbstractModel model, Path modelDirOrConfigJson) {
        JsonNode config = readConfig(modelDirOrConfigJson);
        Optional<Llama3RopeScaling> scaling = fromConfig(config);
        if (scaling.isEmpty()) return false;
        Config c = model.getConfig();
        int headSize = config.path("head_dim").asInt(c.headSize);
        if (headSize != c.headSize) {
            throw new IllegalArgumentException("config.json has head_dim " + headSize + " but Jlama computes head size "
                    + c.headSize + " (hidden_size / num_attention_heads); Jlama 0.8.4 cannot run this model faithfully");
        }
        float[][] table = c.ropeFreqs.orElseThrow(() -> new IllegalArgumentException(
                "The loaded model has no rotary table, so its config.json (rope_theta) is not a Llama one"));
        if (table.length != c.contextLength * (headSize / 2)) {
            throw new IllegalStateException("Jlama's rotary table has " + table.length + " entries, expected "
                    + c.contextLength + " positions x " + headSize / 2 + " frequencies");
        }
        double theta = config.path("rope_theta").asDouble(10000.0);
        fillRotaryTable(table, scaling.get().inverseFrequencies(headSize, theta));
        return true;
    }
}
