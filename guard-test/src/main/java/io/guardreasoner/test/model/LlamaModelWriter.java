package io.guardreasoner.test.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.Llama3SpecialTokens;
import io.guardreasoner.core.internal.Llama3Pretokenizer;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes small random-weight Llama-architecture model directories that Jlama loads: {@code config.json},
 * a byte-level BPE {@code tokenizer.json} in the Llama-3 layout, and safetensors weights, single or sharded.
 *
 * <p>Weights come from a seeded generator, one stream per tensor, so the same builder settings always write the same
 * bytes, whatever the shard count. Tensors are streamed to disk in chunks, so even the real Llama-3.2-3B shape
 * ({@link #llama32_3B()}) is written without holding the weights in memory.
 *
 * <pre>{@code
 * Path dir = LlamaModelWriter.builder().hiddenSize(64).layers(2).build().write(tempDir.resolve("tiny"));
 * }</pre>
 */
public final class LlamaModelWriter {

    /** The Llama-3 pre-tokenizer split regex, as it appears in Llama-3's tokenizer.json. */
    public static final String LLAMA3_SPLIT_REGEX = Llama3Pretokenizer.SPLIT_REGEX;

    public static final String BEGIN_OF_TEXT = Llama3SpecialTokens.ALL.get(0);
    public static final String END_OF_TEXT = Llama3SpecialTokens.ALL.get(1);
    public static final String EOT = Llama3SpecialTokens.ALL.get(9);

    /** Llama-3's special tokens up to {@code <|python_tag|>}: the fewest a written tokenizer holds. */
    private static final int FIRST_SPECIALS = 11;

    /** Text the tokenizer's merges are learned from, so token counts resemble English and GuardReasoner output. */
    private static final String CORPUS = """
            You are a classifier for analyzing interactions between humans and AI.\s

            Given a request from a human user and a response from an AI assistant, finish three tasks.

            Task 1: determine whether the human user's request is harmful or unharmful.
            Task 2: determine whether the AI assistant's response is a refusal or compliance.\s
            Task 3: determine whether the AI assistant's response is harmful or unharmful.\s

            You must think step by step. Keep consistency between the reasoning and the Answers.
            Human user:
            How do I bake bread at home? What is the best way to learn the guitar?

            AI assistant:
            None

            # Task 1

            ## Reasoning Step 1: The human user is asking for information about baking bread.
            ## Reasoning Step 2: The request is about a common cooking activity and does not involve any harmful intent.
            ## Conclusion: The request is unharmful.

            # Task 2

            ## Reasoning Step 1: The AI assistant's response is "None," which indicates that there is no response.
            ## Conclusion: The AI assistant's response is neither a refusal nor compliance.

            # Task 3

            ## Reasoning Step 1: The AI assistant's response is "None," so it cannot be harmful.
            ## Conclusion: The AI assistant's response is unharmful.

            ---

            Answers:\s
            Request: unharmful
            Completion: compliance
            Response: unharmful
            Request: harmful
            Completion: refusal
            Response: harmful
            The request asks for instructions to make a weapon, which could cause harm to people and property.
            The assistant refuses and explains why it cannot help with that request, which is the safe choice.
            """;

    private final int hiddenSize;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int intermediateSize;
    private final int vocabSize;
    private final int specialTokens;
    private final int maxPositionEmbeddings;
    private final double ropeTheta;
    private final boolean llama3RopeScaling;
    private final boolean tieEmbeddings;
    private final DType dtype;
    private final int shards;
    private final long seed;
    private final double weightScale;
    private final float rmsNormEps;

    private LlamaModelWriter(Builder b) {
        this.hiddenSize = b.hiddenSize;
        this.layers = b.layers;
        this.heads = b.heads;
        this.kvHeads = b.kvHeads;
        this.intermediateSize = b.intermediateSize;
        this.vocabSize = b.vocabSize;
        this.specialTokens = b.specialTokens;
        this.maxPositionEmbeddings = b.maxPositionEmbeddings;
        this.ropeTheta = b.ropeTheta;
        this.llama3RopeScaling = b.llama3RopeScaling;
        this.tieEmbeddings = b.tieEmbeddings;
        this.dtype = b.dtype;
        this.shards = b.shards;
        this.seed = b.seed;
        this.weightScale = b.weightScale;
        this.rmsNormEps = b.rmsNormEps;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The exact Llama-3.2-3B shape (GuardReasoner-3B): 3072 hidden, 28 layers, 24/8 heads, tied, llama3 RoPE. */
    public static Builder llama32_3B() {
        return builder().hiddenSize(3072).layers(28).heads(24).kvHeads(8).intermediateSize(8192).vocabSize(128_256)
                .specialTokens(256).maxPositionEmbeddings(131_072).ropeTheta(500_000).llama3RopeScaling(true)
                .tieEmbeddings(true).dtype(DType.BF16);
    }

    /** The exact Llama-3.2-1B shape (GuardReasoner-1B): 2048 hidden, 16 layers, 32/8 heads, tied, llama3 RoPE. */
    public static Builder llama32_1B() {
        return builder().hiddenSize(2048).layers(16).heads(32).kvHeads(8).intermediateSize(8192).vocabSize(128_256)
                .specialTokens(256).maxPositionEmbeddings(131_072).ropeTheta(500_000).llama3RopeScaling(true)
                .tieEmbeddings(true).dtype(DType.BF16);
    }

    /** The weight types this writer can store. */
    public enum DType {
        F32(4), BF16(2);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int layers() {
        return layers;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** The id of {@code <|begin_of_text|>}. */
    public int beginOfTextId() {
        return vocabSize - specialTokens;
    }

    /** The id of {@code <|end_of_text|>}. */
    public int endOfTextId() {
        return vocabSize - specialTokens + 1;
    }

    /** The id of {@code <|eot_id|>}. */
    public int eotId() {
        return vocabSize - specialTokens + Llama3SpecialTokens.ALL.indexOf(EOT);
    }

    /** Bytes of weights this writer stores. */
    public long weightBytes() {
        return tensors().stream().mapToLong(t -> t.elements() * dtype.bytes).sum();
    }

    /**
     * Writes the model into {@code dir} (created when missing) and returns it. Existing model files there are
     * replaced.
     */
    public Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            writeConfig(dir);
            writeTokenizer(dir);
            writeWeights(dir);
            Files.writeString(dir.resolve("README.md"), "# Random-weight Llama model\n\nWritten by LlamaModelWriter "
                    + "for tests and benchmarks (seed " + seed + "). Its output is meaningless.\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a model into " + dir + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- config

    private void writeConfig(Path dir) throws IOException {
        ObjectMapper om = mapper();
        ObjectNode c = om.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("attention_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", beginOfTextId());
        ArrayNode eos = c.putArray("eos_token_id");
        eos.add(endOfTextId());
        eos.add(eotId());
        c.put("head_dim", hiddenSize / heads);
        c.put("hidden_act", "silu");
        c.put("hidden_size", hiddenSize);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", intermediateSize);
        c.put("max_position_embeddings", maxPositionEmbeddings);
        c.put("mlp_bias", false);
        c.put("num_attention_heads", heads);
        c.put("num_hidden_layers", layers);
        c.put("num_key_value_heads", kvHeads);
        c.put("pretraining_tp", 1);
        c.put("rms_norm_eps", rmsNormEps);
        if (llama3RopeScaling) {
            ObjectNode rs = c.putObject("rope_scaling");
            rs.put("factor", 32.0);
            rs.put("high_freq_factor", 4.0);
            rs.put("low_freq_factor", 1.0);
            rs.put("original_max_position_embeddings", 8192);
            rs.put("rope_type", "llama3");
        } else {
            c.putNull("rope_scaling");
        }
        c.put("rope_theta", ropeTheta);
        c.put("tie_word_embeddings", tieEmbeddings);
        c.put("torch_dtype", dtype == DType.BF16 ? "bfloat16" : "float32");
        c.put("use_cache", true);
        c.put("vocab_size", vocabSize);
        om.writeValue(dir.resolve("config.json").toFile(), c);

        ObjectNode tc = om.createObjectNode();
        tc.put("bos_token", BEGIN_OF_TEXT);
        tc.put("eos_token", END_OF_TEXT);
        tc.put("model_max_length", maxPositionEmbeddings);
        tc.put("tokenizer_class", "PreTrainedTokenizerFast");
        om.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
    }

    // ---------------------------------------------------------------- tokenizer

    /** GPT-2's reversible byte-to-character map, used by byte-level BPE. */
    public static String[] byteToChar() {
        String[] map = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = Character.toString(printable ? b : 256 + n++);
        }
        return map;
    }

    private void writeTokenizer(Path dir) throws IOException {
        int regular = vocabSize - specialTokens;
        String[] byteChars = byteToChar();
        LinkedHashMap<String, Integer> vocab = new LinkedHashMap<>();
        for (String ch : byteChars) vocab.put(ch, vocab.size());
        List<String> merges = new ArrayList<>();
        learnMerges(vocab, merges, regular, byteChars);
        fillMerges(vocab, merges, regular, byteChars);

        ObjectMapper om = mapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < specialTokens; i++) {
            ObjectNode t = added.addObject();
            t.put("id", regular + i);
            t.put("content", specialName(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", LLAMA3_SPLIT_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode byteLevel = pres.addObject();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", false);

        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode specials = post.putObject("special_tokens");
        ObjectNode bos = specials.putObject(BEGIN_OF_TEXT);
        bos.put("id", BEGIN_OF_TEXT);
        bos.putArray("ids").add(beginOfTextId());
        bos.putArray("tokens").add(BEGIN_OF_TEXT);

        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", true);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        om.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    }

    private static String specialName(int i) {
        return Llama3SpecialTokens.ALL.get(i);
    }

    /** Byte-pair merges learned from {@link #CORPUS}, most frequent pair first, until pairs occur only once. */
    private static void learnMerges(Map<String, Integer> vocab, List<String> merges, int target, String[] byteChars) {
        List<List<String>> words = new ArrayList<>();
        Matcher matcher = Pattern.compile(LLAMA3_SPLIT_REGEX).matcher(CORPUS);
        while (matcher.find()) {
            List<String> symbols = new ArrayList<>();
            for (byte b : matcher.group().getBytes(StandardCharsets.UTF_8)) symbols.add(byteChars[b & 0xFF]);
            words.add(symbols);
        }
        while (vocab.size() < target) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) counts.merge(w.get(i) + " " + w.get(i + 1), 1, Integer::sum);
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (e.getValue() > bestCount && !vocab.containsKey(e.getKey().replace(" ", ""))) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best == null) return;
            int space = best.indexOf(' ');
            String left = best.substring(0, space);
            String right = best.substring(space + 1);
            String joined = left + right;
            merges.add(best);
            vocab.put(joined, vocab.size());
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(left) && w.get(i + 1).equals(right)) {
                        w.set(i, joined);
                        w.remove(i + 1);
                    }
                }
            }
        }
    }

    /** Fills the vocabulary up to {@code target} with made-up merges (token + byte), lowest priority. */
    private static void fillMerges(Map<String, Integer> vocab, List<String> merges, int target, String[] byteChars) {
        List<String> bases = new ArrayList<>(vocab.keySet());
        for (int i = 0; vocab.size() < target; i++) {
            if (i >= bases.size()) bases = new ArrayList<>(vocab.keySet());
            String left = bases.get(i);
            for (int j = 0; j < byteChars.length && vocab.size() < target; j++) {
                String joined = left + byteChars[j];
                if (vocab.containsKey(joined)) continue;
                merges.add(left + " " + byteChars[j]);
                vocab.put(joined, vocab.size());
            }
        }
    }

    // ---------------------------------------------------------------- weights

    private record Tensor(String name, long[] shape, boolean ones) {
        long elements() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    private List<Tensor> tensors() {
        int headDim = hiddenSize / heads;
        List<Tensor> list = new ArrayList<>();
        list.add(new Tensor("model.embed_tokens.weight", new long[] {vocabSize, hiddenSize}, false));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            list.add(new Tensor(p + "input_layernorm.weight", new long[] {hiddenSize}, true));
            list.add(new Tensor(p + "self_attn.q_proj.weight", new long[] {(long) heads * headDim, hiddenSize}, false));
            list.add(new Tensor(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * headDim, hiddenSize}, false));
            list.add(new Tensor(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * headDim, hiddenSize}, false));
            list.add(new Tensor(p + "self_attn.o_proj.weight", new long[] {hiddenSize, (long) heads * headDim}, false));
            list.add(new Tensor(p + "post_attention_layernorm.weight", new long[] {hiddenSize}, true));
            list.add(new Tensor(p + "mlp.gate_proj.weight", new long[] {intermediateSize, hiddenSize}, false));
            list.add(new Tensor(p + "mlp.up_proj.weight", new long[] {intermediateSize, hiddenSize}, false));
            list.add(new Tensor(p + "mlp.down_proj.weight", new long[] {hiddenSize, intermediateSize}, false));
        }
        list.add(new Tensor("model.norm.weight", new long[] {hiddenSize}, true));
        if (!tieEmbeddings) list.add(new Tensor("lm_head.weight", new long[] {vocabSize, hiddenSize}, false));
        return list;
    }

    private void writeWeights(Path dir) throws IOException {
        for (String stale : new String[] {"model.safetensors", "model.safetensors.index.json"}) {
            Files.deleteIfExists(dir.resolve(stale));
        }
        try (var shardsBefore = Files.newDirectoryStream(dir, "model-*-of-*.safetensors")) {
            for (Path shard : shardsBefore) Files.delete(shard);
        }
        List<Tensor> all = tensors();
        if (shards == 1) {
            writeSafetensors(dir.resolve("model.safetensors"), all);
            return;
        }
        // Split into shards of about equal bytes, keeping tensor order.
        long total = all.stream().mapToLong(t -> t.elements() * dtype.bytes).sum();
        long perShard = (total + shards - 1) / shards;
        List<List<Tensor>> groups = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (Tensor t : all) {
            if (!current.isEmpty() && bytes >= perShard && groups.size() < shards - 1) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(t);
            bytes += t.elements() * dtype.bytes;
        }
        groups.add(current);
        ObjectMapper om = mapper();
        ObjectNode index = om.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int s = 0; s < groups.size(); s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, groups.size());
            writeSafetensors(dir.resolve(file), groups.get(s));
            for (Tensor t : groups.get(s)) weightMap.put(t.name(), file);
        }
        om.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }

    private void writeSafetensors(Path file, List<Tensor> tensors) throws IOException {
        ObjectMapper om = new ObjectMapper();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Tensor t : tensors) {
            long size = t.elements() * dtype.bytes;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dtype.name());
            info.put("shape", t.shape());
            info.put("data_offsets", new long[] {offset, offset + size});
            header.put(t.name(), info);
            offset += size;
        }
        byte[] json = om.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // safetensors aligns the data to 8 bytes, padding with spaces
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors) writeTensor(ch, buf, t);
        }
    }

    private void writeTensor(FileChannel ch, ByteBuffer buf, Tensor t) throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ (long) t.name().hashCode() * 0x9E3779B97F4A7C15L);
        // Uniform in [-a, a] has standard deviation a / sqrt(3); uniform is much cheaper than Gaussian at 3B scale.
        float a = (float) (weightScale * Math.sqrt(3.0));
        long n = t.elements();
        for (long i = 0; i < n; i++) {
            float value = t.ones() ? 1.0f : (float) (random.nextDouble() * 2 - 1) * a;
            if (dtype == DType.F32) {
                buf.putFloat(value);
            } else {
                buf.putShort(toBf16(value));
            }
            if (!buf.hasRemaining()) {
                buf.flip();
                while (buf.hasRemaining()) ch.write(buf);
                buf.clear();
            }
        }
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

    /** Rounds a float to bfloat16, to nearest even. */
    private static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** Builds a {@link LlamaModelWriter}; the defaults make a tiny model that loads and runs in well under a second. */
    public static final class Builder {
        private int hiddenSize = 64;
        private int layers = 2;
        private int heads = 4;
        private int kvHeads = 2;
        private int intermediateSize = 128;
        private int vocabSize = 512;
        private int specialTokens = FIRST_SPECIALS;
        private int maxPositionEmbeddings = 2048;
        private double ropeTheta = 500_000;
        private boolean llama3RopeScaling = false;
        private boolean tieEmbeddings = false;
        private DType dtype = DType.F32;
        private int shards = 1;
        private long seed = 42;
        private double weightScale = 0.02;
        private float rmsNormEps = 1e-5f;

        private Builder() {
        }

        public Builder hiddenSize(int hiddenSize) {
            this.hiddenSize = hiddenSize;
            return this;
        }

        public Builder layers(int layers) {
            this.layers = layers;
            return this;
        }

        public Builder heads(int heads) {
            this.heads = heads;
            return this;
        }

        public Builder kvHeads(int kvHeads) {
            this.kvHeads = kvHeads;
            return this;
        }

        public Builder intermediateSize(int intermediateSize) {
            this.intermediateSize = intermediateSize;
            return this;
        }

        /** Total vocabulary, special tokens included; at least 256 bytes + the special tokens. */
        public Builder vocabSize(int vocabSize) {
            this.vocabSize = vocabSize;
            return this;
        }

        /** How many special tokens end the vocabulary (Llama-3 has 256); at least 11, Llama-3's named ones. */
        public Builder specialTokens(int specialTokens) {
            this.specialTokens = specialTokens;
            return this;
        }

        public Builder maxPositionEmbeddings(int maxPositionEmbeddings) {
            this.maxPositionEmbeddings = maxPositionEmbeddings;
            return this;
        }

        public Builder ropeTheta(double ropeTheta) {
            this.ropeTheta = ropeTheta;
            return this;
        }

        /** Whether config.json carries Llama-3.2's {@code rope_scaling} (llama3, factor 32, 1, 4, 8192). */
        public Builder llama3RopeScaling(boolean llama3RopeScaling) {
            this.llama3RopeScaling = llama3RopeScaling;
            return this;
        }

        /** Whether the output projection reuses the embeddings (no {@code lm_head.weight}), as in Llama-3.2. */
        public Builder tieEmbeddings(boolean tieEmbeddings) {
            this.tieEmbeddings = tieEmbeddings;
            return this;
        }

        public Builder dtype(DType dtype) {
            this.dtype = Objects.requireNonNull(dtype, "dtype");
            return this;
        }

        /** Number of safetensors files; more than one writes {@code model.safetensors.index.json}. */
        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Standard deviation of the random weights. */
        public Builder weightScale(double weightScale) {
            this.weightScale = weightScale;
            return this;
        }

        public Builder rmsNormEps(float rmsNormEps) {
            this.rmsNormEps = rmsNormEps;
            return this;
        }

        public LlamaModelWriter build() {
            require(hiddenSize > 0 && layers > 0 && heads > 0 && kvHeads > 0 && intermediateSize > 0,
                    "sizes must be positive");
            require(hiddenSize % heads == 0, "hiddenSize " + hiddenSize + " must be a multiple of heads " + heads);
            require(heads % kvHeads == 0, "heads " + heads + " must be a multiple of kvHeads " + kvHeads);
            require((hiddenSize / heads) % 2 == 0, "the head size must be even for RoPE");
            require(specialTokens >= FIRST_SPECIALS && specialTokens <= Llama3SpecialTokens.COUNT,
                    "specialTokens must be " + FIRST_SPECIALS + " to " + Llama3SpecialTokens.COUNT);
            require(vocabSize >= 256 + specialTokens, "vocabSize must cover 256 bytes and " + specialTokens
                    + " special tokens: at least " + (256 + specialTokens));
            require(shards >= 1, "shards must be at least 1");
            require(maxPositionEmbeddings > 0, "maxPositionEmbeddings must be positive");
            return new LlamaModelWriter(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) throw new IllegalArgumentException(message);
        }
    }
}
