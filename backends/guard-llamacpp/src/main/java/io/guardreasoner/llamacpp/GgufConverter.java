package io.guardreasoner.llamacpp;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Converts a Hugging Face Llama folder (config.json, tokenizer.json, BF16/F16/F32 safetensors, single or sharded) into
 * a GGUF v3 file that llama.cpp loads as it loads the output of its own {@code convert_hf_to_gguf.py}.
 *
 * <p>It follows that script for Llama: llama.* hyperparameters; the Llama-3 BPE tokenizer ({@code gpt2} model,
 * {@code llama-bpe} pre-tokenizer, tokens, token types, merges, special ids); llama3 RoPE scaling as the
 * {@code rope_freqs.weight} tensor; Q and K rows permuted from Hugging Face's rotate-half layout to llama.cpp's
 * interleaved one; no {@code output.weight} when the embeddings are tied; norms and 1-D tensors in F32. Tensors are
 * streamed row by row into a temporary file that is renamed into place when complete, so even a 3B model never sits
 * in memory and a failed conversion leaves no half-written GGUF behind.
 *
 * <pre>{@code
 * Path gguf = GgufConverter.builder().build() // q8_0
 *         .convert(Path.of("models/GuardReasoner-3B"), Path.of("models/GuardReasoner-3B.q8_0.gguf"));
 * }</pre>
 */
public final class GgufConverter {

    private static final System.Logger LOG = System.getLogger(GgufConverter.class.getName());

    /**
     * The type written by default: Q8_0 is near-lossless (its logits stay close to F16's) at about half the size, the
     * file to give LocalAI or to keep; {@link LlamaCppBackend} converts a model folder to Q4_0 for speed instead.
     */
    public static final GgufType DEFAULT_TYPE = GgufType.Q8_0;

    /** Written into every GGUF ({@code general.quantization_version}), as gguf-py does. */
    static final int GGML_QUANT_VERSION = 2;

    /** Bumped whenever the output for the same input changes; part of {@link LlamaCppBackend}'s cache key. */
    static final int CONVERTER_VERSION = 1;

    /** A model folder cannot be converted; the message names the file and says what to do. */
    public static final class ConversionException extends RuntimeException {
        public ConversionException(String message) {
            super(message);
        }

        public ConversionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GgufType type;
    private final String modelName;

    private GgufConverter(Builder b) {
        this.type = b.type;
        this.modelName = b.modelName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The weight type this converter writes. */
    public GgufType type() {
        return type;
    }

    /**
     * Converts {@code modelDir} into {@code ggufFile} (replaced when present) and returns {@code ggufFile}.
     *
     * @throws ConversionException  when the folder is missing, incomplete or not a Llama-3 model; the message says why
     * @throws UncheckedIOException when reading or writing fails
     */
    public Path convert(Path modelDir, Path ggufFile) {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(ggufFile, "ggufFile");
        if (!Files.isDirectory(modelDir)) {
            throw new ConversionException("The model folder " + modelDir + " does not exist or is not a folder; give "
                    + "a Hugging Face Llama folder with config.json, tokenizer.json and model.safetensors");
        }
        HfLlamaConfig config = HfLlamaConfig.read(modelDir);
        HfTokenizer tokenizer = HfTokenizer.read(modelDir, config.vocabSize());
        Path parent = ggufFile.toAbsolutePath().getParent();
        Path temp = null;
        long start = System.nanoTime();
        try (HfWeights weights = HfWeights.open(modelDir)) {
            List<Planned> plan = plan(config, weights.tensors(), modelDir);
            Files.createDirectories(parent);
            // Not Files.createTempFile: its owner-only permissions would carry over to the GGUF.
            temp = parent.resolve(ggufFile.getFileName() + "." + java.util.UUID.randomUUID() + ".partial");
            long total = plan.stream().mapToLong(p -> p.info().byteSize()).sum();
            LOG.log(System.Logger.Level.INFO, "Converting {0} to {1} GGUF ({2} tensors, {3} MiB) into {4}", modelDir,
                    type.fileSuffix(), plan.size(), total >> 20, ggufFile);
            try (GgufWriter writer = new GgufWriter(temp)) {
                writeMetadata(writer, config, tokenizer, name(modelDir));
                for (Planned p : plan) writer.addTensor(p.info());
                writer.writeHeader();
                long done = 0;
                int lastPercent = -1;
                for (Planned p : plan) {
                    writeTensor(writer, weights, config, p);
                    done += p.info().byteSize();
                    int percent = (int) (100 * done / Math.max(1, total));
                    if (percent / 10 != lastPercent / 10) {
                        LOG.log(System.Logger.Level.INFO, "Converting {0}: {1}% ({2})", modelDir.getFileName(), percent,
                                p.info().name());
                        lastPercent = percent;
                    }
                }
                if (!writer.complete()) throw new IllegalStateException("not every tensor was written");
            }
            try {
                Files.move(temp, ggufFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, ggufFile, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            LOG.log(System.Logger.Level.INFO, "Wrote {0} ({1} MiB) in {2} s", ggufFile, Files.size(ggufFile) >> 20,
                    String.format("%.1f", (System.nanoTime() - start) / 1e9));
            return ggufFile;
        } catch (IOException e) {
            throw new UncheckedIOException("Converting " + modelDir + " to " + ggufFile + " failed: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private String name(Path modelDir) {
        if (modelName != null) return modelName;
        Path name = modelDir.toAbsolutePath().normalize().getFileName();
        return name == null ? "model" : name.toString();
    }

    /** One GGUF tensor: its info, where it comes from, and how its rows are reordered. */
    private record Planned(GgufWriter.TensorInfo info, HfWeights.Tensor source, int permuteHeads, float[] computed) {
    }

    private List<Planned> plan(HfLlamaConfig c, Map<String, HfWeights.Tensor> tensors, Path dir) {
        List<Planned> plan = new ArrayList<>();
        Set<String> used = new HashSet<>();
        if (c.ropeScaling().map(HfLlamaConfig.RopeScaling::llama3).orElse(false)) {
            float[] factors = c.llama3RopeFactors();
            plan.add(new Planned(new GgufWriter.TensorInfo("rope_freqs.weight", new long[] {factors.length}, GgmlType.F32),
                    null, 0, factors));
        }
        int hidden = c.hiddenSize();
        int qRows = c.heads() * c.headDim();
        int kvRows = c.kvHeads() * c.headDim();
        boolean hasLmHead = tensors.containsKey("lm_head.weight") && !c.tieWordEmbeddings();
        plan.add(matrix(tensors, used, dir, "model.embed_tokens.weight", "token_embd.weight", c.vocabSize(), hidden,
                hasLmHead ? matrixType(false) : matrixType(true), 0));
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            String g = "blk." + l + ".";
            plan.add(vector(tensors, used, dir, p + "input_layernorm.weight", g + "attn_norm.weight", hidden));
            plan.add(matrix(tensors, used, dir, p + "self_attn.q_proj.weight", g + "attn_q.weight", qRows, hidden, matrixType(false), c.heads()));
            plan.add(matrix(tensors, used, dir, p + "self_attn.k_proj.weight", g + "attn_k.weight", kvRows, hidden, matrixType(false), c.kvHeads()));
            plan.add(matrix(tensors, used, dir, p + "self_attn.v_proj.weight", g + "attn_v.weight", kvRows, hidden, matrixType(false), 0));
            plan.add(matrix(tensors, used, dir, p + "self_attn.o_proj.weight", g + "attn_output.weight", hidden, qRows, matrixType(false), 0));
            plan.add(vector(tensors, used, dir, p + "post_attention_layernorm.weight", g + "ffn_norm.weight", hidden));
            plan.add(matrix(tensors, used, dir, p + "mlp.gate_proj.weight", g + "ffn_gate.weight", c.intermediateSize(), hidden, matrixType(false), 0));
            plan.add(matrix(tensors, used, dir, p + "mlp.up_proj.weight", g + "ffn_up.weight", c.intermediateSize(), hidden, matrixType(false), 0));
            plan.add(matrix(tensors, used, dir, p + "mlp.down_proj.weight", g + "ffn_down.weight", hidden, c.intermediateSize(), matrixType(false), 0));
        }
        plan.add(vector(tensors, used, dir, "model.norm.weight", "output_norm.weight", hidden));
        if (hasLmHead) {
            plan.add(matrix(tensors, used, dir, "lm_head.weight", "output.weight", c.vocabSize(), hidden, matrixType(true), 0));
        } else if (!c.tieWordEmbeddings()) {
            throw new ConversionException(dir + " has no lm_head.weight and config.json does not set "
                    + "tie_word_embeddings; the weights are incomplete, download them again");
        }
        for (String name : tensors.keySet()) {
            if (used.contains(name) || name.endsWith("rotary_emb.inv_freq")) continue;
            if (name.equals("lm_head.weight") && c.tieWordEmbeddings()) continue; // tied: llama.cpp reuses token_embd
            throw new ConversionException(dir + " holds the tensor " + name + ", which a Llama model does not have; "
                    + "is it a Llama checkpoint (and num_hidden_layers in config.json right)?");
        }
        return plan;
    }

    /** The storage type of a 2-D weight; {@code outputProjection} is the matrix that computes the logits. */
    private GgmlType matrixType(boolean outputProjection) {
        return switch (type) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case Q8_0 -> GgmlType.Q8_0;
            case Q4_0 -> outputProjection ? GgmlType.Q8_0 : GgmlType.Q4_0;
        };
    }

    private static Planned vector(Map<String, HfWeights.Tensor> tensors, Set<String> used, Path dir, String hfName,
                                  String ggufName, long length) {
        HfWeights.Tensor t = require(tensors, used, dir, hfName);
        if (t.shape().length != 1 || t.shape()[0] != length) {
            throw wrongShape(t, "[" + length + "]");
        }
        return new Planned(new GgufWriter.TensorInfo(ggufName, new long[] {length}, GgmlType.F32), t, 0, null);
    }

    private static Planned matrix(Map<String, HfWeights.Tensor> tensors, Set<String> used, Path dir, String hfName,
                                  String ggufName, long rows, long columns, GgmlType wanted, int permuteHeads) {
        HfWeights.Tensor t = require(tensors, used, dir, hfName);
        if (t.shape().length != 2 || t.shape()[0] != rows || t.shape()[1] != columns) {
            throw wrongShape(t, "[" + rows + ", " + columns + "]");
        }
        GgmlType storedAs = wanted;
        if (columns % wanted.blockSize != 0) {
            // gguf-py falls back to F16 when rows do not split into whole blocks; so do we.
            LOG.log(System.Logger.Level.WARNING, "{0} has rows of {1} weights, not a multiple of {2}; storing it as F16",
                    ggufName, columns, wanted.blockSize);
            storedAs = GgmlType.F16;
        }
        return new Planned(new GgufWriter.TensorInfo(ggufName, new long[] {columns, rows}, storedAs), t, permuteHeads, null);
    }

    private static HfWeights.Tensor require(Map<String, HfWeights.Tensor> tensors, Set<String> used, Path dir, String name) {
        HfWeights.Tensor t = tensors.get(name);
        if (t == null) {
            throw new ConversionException("The weights in " + dir + " lack " + name + "; the download is incomplete or "
                    + "it is not a Llama checkpoint");
        }
        HfWeights.checkReadable(t);
        used.add(name);
        return t;
    }

    private static ConversionException wrongShape(HfWeights.Tensor t, String expected) {
        return new ConversionException(t.name() + " in " + t.file() + " has shape " + java.util.Arrays.toString(t.shape())
                + " but config.json implies " + expected + "; the weights and config.json do not belong together");
    }

    private void writeMetadata(GgufWriter w, HfLlamaConfig c, HfTokenizer t, String name) {
        w.putString("general.architecture", "llama");
        w.putString("general.type", "model");
        w.putString("general.name", name);
        w.putUint32("general.file_type", type.fileType());
        w.putUint32("general.quantization_version", GGML_QUANT_VERSION);
        w.putUint32("llama.vocab_size", c.vocabSize());
        w.putUint32("llama.context_length", c.contextLength());
        w.putUint32("llama.embedding_length", c.hiddenSize());
        w.putUint32("llama.block_count", c.layers());
        w.putUint32("llama.feed_forward_length", c.intermediateSize());
        w.putUint32("llama.attention.head_count", c.heads());
        w.putUint32("llama.attention.head_count_kv", c.kvHeads());
        w.putFloat32("llama.rope.freq_base", c.ropeTheta());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", c.rmsNormEps());
        w.putUint32("llama.attention.key_length", c.headDim());
        w.putUint32("llama.attention.value_length", c.headDim());
        w.putUint32("llama.rope.dimension_count", c.headDim());
        c.ropeScaling().filter(s -> s.type().equals("linear")).ifPresent(s -> {
            w.putString("llama.rope.scaling.type", "linear");
            w.putFloat32("llama.rope.scaling.factor", s.factor());
        });
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "llama-bpe");
        w.putStringArray("tokenizer.ggml.tokens", t.tokens());
        w.putInt32Array("tokenizer.ggml.token_type", t.tokenTypes());
        w.putStringArray("tokenizer.ggml.merges", t.merges());
        w.putUint32("tokenizer.ggml.bos_token_id", t.bosId());
        w.putUint32("tokenizer.ggml.eos_token_id", t.eosId());
        t.eotId().ifPresent(id -> w.putUint32("tokenizer.ggml.eot_token_id", id));
        t.eomId().ifPresent(id -> w.putUint32("tokenizer.ggml.eom_token_id", id));
        w.putBool("tokenizer.ggml.add_bos_token", t.addBos());
        w.putBool("tokenizer.ggml.add_eos_token", false);
        if (t.chatTemplate() != null) w.putString("tokenizer.chat_template", t.chatTemplate());
    }

    private static void writeTensor(GgufWriter writer, HfWeights weights, HfLlamaConfig c, Planned p) throws IOException {
        GgufWriter.TensorInfo info = p.info();
        if (p.computed() != null) {
            ByteBuffer out = ByteBuffer.allocate((int) info.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            GgmlBlocks.encode(p.computed(), info.type(), out);
            writer.write(out.flip());
            return;
        }
        HfWeights.Tensor source = p.source();
        long rows = info.rows();
        long columns = info.dims()[0];
        long rowBytes = info.type().rowBytes(columns);
        // Rows per read: whole heads for Q/K (their rows are reordered within a head), else about 4 MiB of floats.
        int chunk = p.permuteHeads() > 0 ? c.headDim()
                : (int) Math.max(1, Math.min(rows, (4L << 20) / (4 * columns)));
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(rowBytes * chunk)).order(ByteOrder.LITTLE_ENDIAN);
        for (long first = 0; first < rows; first += chunk) {
            int count = (int) Math.min(chunk, rows - first);
            float[][] block = weights.readRows(source, first, count);
            if (p.permuteHeads() > 0) block = interleaveRotaryHalves(block);
            out.clear();
            for (float[] row : block) GgmlBlocks.encode(row, info.type(), out);
            writer.write(out.flip());
        }
    }

    /**
     * One head's rows reordered from Hugging Face's rotate-half layout (pairs {@code (i, i + d/2)}) to the interleaved
     * pairs {@code (2i, 2i + 1)} that llama.cpp's llama RoPE rotates: convert_hf_to_gguf.py's {@code permute}, i.e.
     * {@code reshape(heads, 2, d/2, cols).swapaxes(1, 2)}, per head.
     */
    static float[][] interleaveRotaryHalves(float[][] head) {
        int d = head.length;
        float[][] out = new float[d][];
        for (int i = 0; i < d / 2; i++) {
            out[2 * i] = head[i];
            out[2 * i + 1] = head[d / 2 + i];
        }
        return out;
    }

    /** Builds a {@link GgufConverter}; the default type is {@link GgufConverter#DEFAULT_TYPE}. */
    public static final class Builder {
        private GgufType type = DEFAULT_TYPE;
        private String modelName;

        private Builder() {
        }

        /** The weight type to write; default {@link GgufConverter#DEFAULT_TYPE} ({@code q8_0}). */
        public Builder type(GgufType type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** {@code general.name} in the GGUF; default the model folder's name. */
        public Builder modelName(String modelName) {
            this.modelName = Objects.requireNonNull(modelName, "modelName");
            return this;
        }

        public GgufConverter build() {
            return new GgufConverter(this);
        }
    }
}
