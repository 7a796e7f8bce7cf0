package io.guardreasoner.test.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Llama forward pass of Hugging Face transformers' {@code LlamaForCausalLM}, written as plain loops in double
 * precision: embeddings, RMSNorm, attention with grouped KV heads and (llama3-scaled) RoPE on the rotate-half layout,
 * SwiGLU MLP, final norm, tied or separate lm_head. It shares no code with Jlama, llama.cpp or the backends' own RoPE
 * scaling, so the backends' tests can hold each engine against it (and against each other).
 */
public final class ReferenceLlama {

    private final int hidden;
    private final int intermediate;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headSize;
    private final int vocab;
    private final double eps;
    private final double[] inverseFrequencies;
    private final Map<String, Tensor> w;

    private ReferenceLlama(JsonNode c, Map<String, Tensor> weights) {
        hidden = c.get("hidden_size").asInt();
        intermediate = c.get("intermediate_size").asInt();
        layers = c.get("num_hidden_layers").asInt();
        heads = c.get("num_attention_heads").asInt();
        kvHeads = c.get("num_key_value_heads").asInt();
        headSize = c.path("head_dim").asInt(hidden / heads);
        vocab = c.get("vocab_size").asInt();
        eps = c.get("rms_norm_eps").asDouble();
        inverseFrequencies = inverseFrequencies(c, headSize);
        w = weights;
    }

    /** Loads a Hugging Face Llama folder: config.json and every *.safetensors file (F32 or BF16). */
    public static ReferenceLlama load(Path dir) throws IOException {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                weights.putAll(readSafetensors(f));
            }
        }
        return new ReferenceLlama(new ObjectMapper().readTree(dir.resolve("config.json").toFile()), weights);
    }

    /** A weight matrix or vector, row-major. */
    public record Tensor(int[] shape, float[] data) {
    }

    /** Reads every F32 or BF16 tensor of one safetensors file, independently of Jlama. */
    public static Map<String, Tensor> readSafetensors(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(all.getLong(0));
        JsonNode header = new ObjectMapper().readTree(new String(all.array(), 8, headerLength, StandardCharsets.UTF_8));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) continue;
            String dtype = e.getValue().get("dtype").asText();
            int[] shape = new int[e.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.getValue().get("shape").get(i).asInt();
            int start = Math.toIntExact(8 + headerLength + e.getValue().get("data_offsets").get(0).asLong());
            int end = Math.toIntExact(8 + headerLength + e.getValue().get("data_offsets").get(1).asLong());
            float[] data = switch (dtype) {
                case "F32" -> {
                    float[] d = new float[(end - start) / 4];
                    for (int i = 0; i < d.length; i++) d[i] = all.getFloat(start + 4 * i);
                    yield d;
                }
                case "BF16" -> {
                    float[] d = new float[(end - start) / 2];
                    for (int i = 0; i < d.length; i++) d[i] = Float.intBitsToFloat((all.getShort(start + 2 * i) & 0xFFFF) << 16);
                    yield d;
                }
                default -> throw new IllegalArgumentException(e.getKey() + " in " + file + " is " + dtype + "; only F32 and BF16 are read");
            };
            out.put(e.getKey(), new Tensor(shape, data));
        }
        return out;
    }

    /** transformers' default and llama3 rope parameters, in double precision. */
    private static double[] inverseFrequencies(JsonNode c, int headSize) {
        double theta = c.path("rope_theta").asDouble(10000);
        double[] inv = new double[headSize / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = 1 / Math.pow(theta, 2.0 * i / headSize);
        JsonNode s = c.path("rope_scaling");
        if (!"llama3".equals(s.path("rope_type").asText())) return inv;
        double factor = s.get("factor").asDouble();
        double low = s.get("low_freq_factor").asDouble();
        double high = s.get("high_freq_factor").asDouble();
        double old = s.get("original_max_position_embeddings").asDouble();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < old / high) continue;
            if (wavelen > old / low) {
                inv[i] /= factor;
            } else {
                double smooth = (old / wavelen - low) / (high - low);
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
        return inv;
    }

    /** Logits at every position of the token sequence (causal, starting at position 0). */
    public double[][] logits(int[] tokens) {
        int n = tokens.length;
        int kvLength = kvHeads * headSize;
        double[][][] keys = new double[layers][n][];
        double[][][] values = new double[layers][n][];
        double[][] out = new double[n][];
        for (int pos = 0; pos < n; pos++) {
            double[] x = row("model.embed_tokens.weight", tokens[pos]);
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                double[] h = rmsNorm(x, p + "input_layernorm.weight");
                double[] q = matVec(p + "self_attn.q_proj.weight", h);
                double[] k = matVec(p + "self_attn.k_proj.weight", h);
                double[] v = matVec(p + "self_attn.v_proj.weight", h);
                for (int head = 0; head < heads; head++) rope(q, head * headSize, pos);
                for (int head = 0; head < kvHeads; head++) rope(k, head * headSize, pos);
                keys[l][pos] = k;
                values[l][pos] = v;

                double[] attention = new double[heads * headSize];
                int group = heads / kvHeads;
                for (int head = 0; head < heads; head++) {
                    int kvOffset = (head / group) * headSize;
                    double[] scores = new double[pos + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t = 0; t <= pos; t++) {
                        double dot = 0;
                        for (int d = 0; d < headSize; d++) dot += q[head * headSize + d] * keys[l][t][kvOffset + d];
                        scores[t] = dot / Math.sqrt(headSize);
                        max = Math.max(max, scores[t]);
                    }
                    double sum = 0;
                    for (int t = 0; t <= pos; t++) sum += scores[t] = Math.exp(scores[t] - max);
                    for (int t = 0; t <= pos; t++) {
                        double weight = scores[t] / sum;
                        for (int d = 0; d < headSize; d++) attention[head * headSize + d] += weight * values[l][t][kvOffset + d];
                    }
                }
                add(x, matVec(p + "self_attn.o_proj.weight", attention));

                double[] h2 = rmsNorm(x, p + "post_attention_layernorm.weight");
                double[] gate = matVec(p + "mlp.gate_proj.weight", h2);
                double[] up = matVec(p + "mlp.up_proj.weight", h2);
                double[] act = new double[intermediate];
                for (int i = 0; i < intermediate; i++) act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                add(x, matVec(p + "mlp.down_proj.weight", act));
            }
            double[] normed = rmsNorm(x, "model.norm.weight");
            out[pos] = matVec(w.containsKey("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight", normed);
            if (out[pos].length != vocab) throw new IllegalStateException("lm_head rows " + out[pos].length + " != vocab " + vocab);
        }
        return out;
    }

    /** Rotate-half RoPE on one head: pairs (d, d + headSize/2) turn by position x frequency d. */
    private void rope(double[] v, int offset, int pos) {
        int half = headSize / 2;
        for (int d = 0; d < half; d++) {
            double angle = pos * inverseFrequencies[d];
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double a = v[offset + d];
            double b = v[offset + d + half];
            v[offset + d] = a * cos - b * sin;
            v[offset + d + half] = b * cos + a * sin;
        }
    }

    private double[] rmsNorm(double[] x, String weight) {
        float[] g = w.get(weight).data();
        double ss = 0;
        for (double v : x) ss += v * v;
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * g[i];
        return out;
    }

    private double[] matVec(String name, double[] x) {
        Tensor t = w.get(name);
        int rows = t.shape()[0];
        int cols = t.shape()[1];
        if (cols != x.length) throw new IllegalStateException(name + " has " + cols + " columns, input has " + x.length);
        double[] out = new double[rows];
        float[] d = t.data();
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) s += d[r * cols + c] * x[c];
            out[r] = s;
        }
        return out;
    }

    private double[] row(String name, int index) {
        Tensor t = w.get(name);
        int cols = t.shape()[1];
        double[] out = new double[cols];
        for (int c = 0; c < cols; c++) out[c] = t.data()[index * cols + c];
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
