package io.guardreasoner.llamacpp;

import io.guardreasoner.llamacpp.GgufConverter.ConversionException;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The hyperparameters of a Hugging Face Llama {@code config.json} that the GGUF needs, checked.
 *
 * @param ropeScaling empty without scaling; the llama3 or linear parameters otherwise
 */
record HfLlamaConfig(int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int headDim,
                            float rmsNormEps, float ropeTheta, int contextLength, int vocabSize,
                            boolean tieWordEmbeddings, Optional<RopeScaling> ropeScaling) {

    /** {@code rope_scaling}: type {@code llama3} (with its four parameters) or {@code linear} (factor only). */
    public record RopeScaling(String type, float factor, float lowFreqFactor, float highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public boolean llama3() {
            return type.equals("llama3");
        }
    }

    public static HfLlamaConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        JsonNode c = Json.read(file);
        String modelType = c.path("model_type").asText("");
        boolean llamaArchitecture = false;
        for (JsonNode a : c.path("architectures")) llamaArchitecture |= a.asText().equals("LlamaForCausalLM");
        if (!modelType.equalsIgnoreCase("llama") && !llamaArchitecture) {
            String what = modelType.isEmpty() ? String.valueOf(c.path("architectures")) : "'" + modelType + "'";
            throw new ConversionException(file + " describes a " + what + " model; GgufConverter converts Llama models "
                    + "(model_type llama, LlamaForCausalLM) such as GuardReasoner-1B/3B/8B. Convert other architectures "
                    + "with llama.cpp's convert_hf_to_gguf.py");
        }
        if (c.path("attention_bias").asBoolean(false) || c.path("mlp_bias").asBoolean(false)) {
            throw new ConversionException(file + " has attention_bias or mlp_bias set; Llama-3 models have no biases "
                    + "and GgufConverter does not convert them");
        }
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ConversionException(file + " has hidden_act '" + act + "'; llama.cpp's llama architecture computes silu");
        }
        int hidden = required(c, file, "hidden_size");
        int heads = required(c, file, "num_attention_heads");
        int kvHeads = c.path("num_key_value_heads").asInt(heads);
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim % 2 != 0) {
            throw new ConversionException(file + ": num_attention_heads " + heads + " must be a positive multiple of "
                    + "num_key_value_heads " + kvHeads + " and the head size " + headDim + " even");
        }
        Optional<RopeScaling> scaling = ropeScaling(c, file);
        return new HfLlamaConfig(hidden, required(c, file, "intermediate_size"), required(c, file, "num_hidden_layers"),
                heads, kvHeads, headDim, (float) c.path("rms_norm_eps").asDouble(1e-6),
                (float) c.path("rope_theta").asDouble(10000.0), c.path("max_position_embeddings").asInt(4096),
                required(c, file, "vocab_size"), c.path("tie_word_embeddings").asBoolean(false), scaling);
    }

    private static Optional<RopeScaling> ropeScaling(JsonNode c, Path file) {
        JsonNode s = c.path("rope_scaling");
        if (s.isMissingNode() || s.isNull()) return Optional.empty();
        String type = s.path("rope_type").asText(s.path("type").asText("default")).toLowerCase(Locale.ROOT);
        return switch (type) {
            case "default" -> Optional.empty();
            case "linear" -> Optional.of(new RopeScaling("linear", (float) s.path("factor").asDouble(1.0), 0, 0, 0));
            case "llama3" -> Optional.of(new RopeScaling("llama3", (float) s.path("factor").asDouble(8.0),
                    (float) s.path("low_freq_factor").asDouble(1.0), (float) s.path("high_freq_factor").asDouble(4.0),
                    // convert_hf_to_gguf.py reads this key from the top level of config.json (a bug that is harmless
                    // for Llama-3, where both are 8192); transformers reads it from rope_scaling, as we do.
                    s.path("original_max_position_embeddings").asInt(c.path("original_max_position_embeddings").asInt(8192))));
            default -> throw new ConversionException(file + " has rope_scaling type '" + type + "'; GgufConverter "
                    + "supports llama3, linear and default (Llama-3.x models use llama3)");
        };
    }

    private static int required(JsonNode c, Path file, String key) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new ConversionException(file + " lacks a positive integer '" + key + "'; is it a complete Hugging Face config.json?");
        }
        return v.asInt();
    }

    /**
     * llama3 RoPE as llama.cpp applies it: per frequency a divisor ({@code rope_freqs.weight}), computed in float32
     * operation by operation as convert_hf_to_gguf.py's {@code generate_extra_tensors} does with torch.
     */
    public float[] llama3RopeFactors() {
        RopeScaling s = ropeScaling.orElseThrow();
        int half = headDim / 2;
        float[] factors = new float[half];
        float lowFreqWavelen = (float) ((double) s.originalMaxPositionEmbeddings() / s.lowFreqFactor());
        float highFreqWavelen = (float) ((double) s.originalMaxPositionEmbeddings() / s.highFreqFactor());
        float twoPi = (float) (2 * Math.PI);
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            float freq = 1.0f / (float) Math.pow(ropeTheta, exponent);
            float wavelen = twoPi / freq;
            if (wavelen < highFreqWavelen) {
                factors[i] = 1;
            } else if (wavelen > lowFreqWavelen) {
                factors[i] = s.factor();
            } else {
                float smooth = ((float) s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                factors[i] = 1 / ((1 - smooth) / s.factor() + smooth);
            }
        }
        return factors;
    }
}
