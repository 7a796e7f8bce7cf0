package io.guardreasoner.langchain4j.jlama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes a small float32 Llama model directory with Llama-3.2's config features (GQA, rope_theta 500000, llama3
 * rope_scaling, tied embeddings) and a tiny Llama-3-style tokenizer.json, for fidelity tests.
 *
 * <p>The query and key projections are larger than usual so that attention is sharp and depends visibly on the
 * rotary frequencies; with the small initial weights of a fresh model, RoPE changes would hide in rounding noise.
 */
final class TinyLlamaModel {

    /** The model's shape. */
    record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int maxPositions, boolean tied) {
        int headSize() {
            return hidden / heads;
        }
    }

    static final Shape SMALL = new Shape(256, 512, 2, 8, 2, 512, 4096, true);

    private TinyLlamaModel() {
    }

    static Path write(Path dir, Shape s, long seed, boolean llama3Rope) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode()
                .put("model_type", "llama")
                .put("hidden_size", s.hidden())
                .put("intermediate_size", s.intermediate())
                .put("num_hidden_layers", s.layers())
                .put("num_attention_heads", s.heads())
                .put("num_key_value_heads", s.kvHeads())
                .put("head_dim", s.headSize())
                .put("vocab_size", s.vocab())
                .put("max_position_embeddings", s.maxPositions())
                .put("rms_norm_eps", 1e-5)
                .put("rope_theta", 500000.0)
                .put("hidden_act", "silu")
                .put("tie_word_embeddings", s.tied())
                .put("bos_token_id", s.vocab() - 3)
                .put("torch_dtype", "float32");
        config.putArray("architectures").add("LlamaForCausalLM");
        config.putArray("eos_token_id").add(s.vocab() - 2).add(s.vocab() - 1);
        if (llama3Rope) {
            config.putObject("rope_scaling")
                    .put("factor", 32.0)
                    .put("low_freq_factor", 1.0)
                    .put("high_freq_factor", 4.0)
                    .put("original_max_position_embeddings", 8192)
                    .put("rope_type", "llama3");
        }
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(s.vocab()));

        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", gaussian(random, 1.0, s.vocab(), s.hidden()));
        int kv = s.kvHeads() * s.headSize();
        double in = 1 / Math.sqrt(s.hidden());
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            tensors.put(p + "input_layernorm.weight", nearOne(random, s.hidden()));
            tensors.put(p + "self_attn.q_proj.weight", gaussian(random, 3 * in, s.hidden(), s.hidden()));
            tensors.put(p + "self_attn.k_proj.weight", gaussian(random, 3 * in, kv, s.hidden()));
            tensors.put(p + "self_attn.v_proj.weight", gaussian(random, in, kv, s.hidden()));
            tensors.put(p + "self_attn.o_proj.weight", gaussian(random, in, s.hidden(), s.hidden()));
            tensors.put(p + "post_attention_layernorm.weight", nearOne(random, s.hidden()));
            tensors.put(p + "mlp.gate_proj.weight", gaussian(random, in, s.intermediate(), s.hidden()));
            tensors.put(p + "mlp.up_proj.weight", gaussian(random, in, s.intermediate(), s.hidden()));
            tensors.put(p + "mlp.down_proj.weight", gaussian(random, 1 / Math.sqrt(s.intermediate()), s.hidden(), s.intermediate()));
        }
        tensors.put("model.norm.weight", nearOne(random, s.hidden()));
        if (!s.tied()) tensors.put("lm_head.weight", gaussian(random, in, s.vocab(), s.hidden()));
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        return dir;
    }

    record Tensor(int[] shape, float[] data) {
    }

    private static Tensor gaussian(Random random, double std, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) (random.nextGaussian() * std);
        return new Tensor(new int[] {rows, cols}, d);
    }

    private static Tensor nearOne(Random random, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (1 + 0.1 * random.nextGaussian());
        return new Tensor(new int[] {n}, d);
    }

    private static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = 4L * e.getValue().data().length;
            ObjectNode t = header.putObject(e.getKey()).put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (int d : e.getValue().shape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(h);
            for (int i = h.length; i < padded; i++) out.write(' ');
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.data());
                out.write(b.array());
            }
        }
    }

    /**
     * A Llama-3-style tokenizer.json over {@code vocab} ids: the 256 byte-level symbols, merges of the commonest English
     * pairs up to {@code vocab - 3}, and {@code <|begin_of_text|>}, {@code <|end_of_text|>}, {@code <|eot_id|>} last.
     */
    static String tokenizerJson(int vocab) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", vocab - 3 + i).put("content", specials[i]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode items = pre.putArray("pretokenizers");
        ObjectNode split = items.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", Llama3Tokenizer.LLAMA3_SPLIT_REGEX);
        split.put("behavior", "Isolated").put("invert", false);
        items.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);

        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", true);
        ObjectNode vocabNode = model.putObject("vocab");
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) ids.put(String.valueOf(Llama3Tokenizer.ByteLevel.BYTE_TO_CHAR[b]), b);
        ArrayNode merges = model.putArray("merges");
        String[][] pairs = {
                {"Ġ", "t"}, {"h", "e"}, {"i", "n"}, {"Ġt", "he"}, {"e", "r"}, {"o", "n"}, {"Ġ", "a"}, {"r", "e"},
                {"a", "t"}, {"s", "t"}, {"e", "n"}, {"o", "r"}, {"Ġ", "s"}, {"Ġ", "w"}, {"in", "g"}, {"Ġ", "c"},
                {"Ġ", "Ġ"}, {"ĠĠ", "ĠĠ"}, {"Ġ", "b"}, {"a", "n"}, {"Ġ", "o"}, {"o", "u"}, {"Ġ", "f"}, {"Ġ", "h"}};
        for (String[] p : pairs) {
            if (ids.size() >= vocab - 3) break;
            ids.putIfAbsent(p[0] + p[1], ids.size());
            merges.addArray().add(p[0]).add(p[1]);
        }
        ids.forEach(vocabNode::put);
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a float32 tensor by name from a single-file safetensors model, independently of Jlama. */
    static Map<String, Tensor> readSafetensors(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(all.getLong(0));
        var header = new ObjectMapper().readTree(new String(all.array(), 8, headerLength, StandardCharsets.UTF_8));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : header.properties()) {
            if (e.getKey().equals("__metadata__")) continue;
            if (!"F32".equals(e.getValue().get("dtype").asText())) {
                throw new IllegalArgumentException(e.getKey() + " is " + e.getValue().get("dtype") + ", only F32 is read");
            }
            int[] shape = new int[e.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.getValue().get("shape").get(i).asInt();
            long start = e.getValue().get("data_offsets").get(0).asLong();
            long end = e.getValue().get("data_offsets").get(1).asLong();
            float[] data = new float[Math.toIntExact((end - start) / 4)];
            all.slice(Math.toIntExact(8 + headerLength + start), data.length * 4).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer().get(data);
            out.put(e.getKey(), new Tensor(shape, data));
        }
        return out;
    }
}
