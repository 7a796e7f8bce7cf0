package io.guardreasoner.llamacpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.test.model.LlamaModelWriter;
import io.guardreasoner.test.model.ReferenceLlama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link GgufConverter} read back with an independent GGUF reader, and loaded into llama.cpp. */
class GgufConverterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** ggml type ids. */
    private static final int F32 = 0;
    private static final int F16 = 1;
    private static final int Q4_0 = 2;
    private static final int Q8_0 = 8;

    @Test
    void writesGgufVersion3WithTheLlamaHyperparametersOfConfigJson() throws IOException {
        GgufTestReader gguf = new GgufTestReader(TestModels.gguf(GgufType.Q8_0));

        assertThat(gguf.version).isEqualTo(3);
        Map<String, Object> m = gguf.metadata;
        assertThat(m).containsEntry("general.architecture", "llama")
                .containsEntry("general.file_type", 7L)
                .containsEntry("general.quantization_version", 2L)
                .containsEntry("llama.block_count", 2L)
                .containsEntry("llama.context_length", 4096L)
                .containsEntry("llama.embedding_length", 256L)
                .containsEntry("llama.feed_forward_length", 512L)
                .containsEntry("llama.attention.head_count", 8L)
                .containsEntry("llama.attention.head_count_kv", 2L)
                .containsEntry("llama.rope.dimension_count", 32L)
                .containsEntry("llama.vocab_size", 512L)
                .containsEntry("llama.rope.freq_base", 500_000f)
                .containsEntry("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        assertThat(m).doesNotContainKey("llama.rope.scaling.type"); // llama3 scaling lives in rope_freqs.weight
    }

    @Test
    void writesTheLlama3TokenizerWithTokenTypesMergesAndSpecialIds() throws IOException {
        Path dir = TestModels.modelDir();
        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        GgufTestReader gguf = new GgufTestReader(TestModels.gguf(GgufType.F16));
        Map<String, Object> m = gguf.metadata;

        List<?> tokens = (List<?>) m.get("tokenizer.ggml.tokens");
        List<?> types = (List<?>) m.get("tokenizer.ggml.token_type");
        assertThat(m).containsEntry("tokenizer.ggml.model", "gpt2").containsEntry("tokenizer.ggml.pre", "llama-bpe")
                .containsEntry("tokenizer.ggml.add_bos_token", true).containsEntry("tokenizer.ggml.add_eos_token", false);
        assertThat(tokens).hasSize(512);
        for (Iterator<Map.Entry<String, JsonNode>> it = tokenizer.path("model").path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThat(tokens.get(e.getValue().asInt())).isEqualTo(e.getKey());
            assertThat(types.get(e.getValue().asInt())).as(e.getKey()).isEqualTo(1); // NORMAL
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            assertThat(tokens.get(added.get("id").asInt())).isEqualTo(added.get("content").asText());
            assertThat(types.get(added.get("id").asInt())).isEqualTo(3); // CONTROL
        }
        List<String> merges = new ArrayList<>();
        tokenizer.path("model").path("merges").forEach(n -> merges.add(n.asText()));
        assertThat(m.get("tokenizer.ggml.merges")).isEqualTo(merges);
        LlamaModelWriter writer = TestModels.llama32Like().build();
        assertThat(m).containsEntry("tokenizer.ggml.bos_token_id", (long) writer.beginOfTextId())
                .containsEntry("tokenizer.ggml.eos_token_id", (long) writer.endOfTextId())
                .containsEntry("tokenizer.ggml.eot_token_id", (long) writer.eotId());
    }

    @Test
    void namesShapesAndTypesFollowLlamaCppsConverterAndTiedEmbeddingsHaveNoOutputTensor() throws IOException {
        for (GgufType type : GgufType.values()) {
            GgufTestReader gguf = new GgufTestReader(TestModels.gguf(type));
            int matrix = switch (type) {
                case F32 -> F32;
                case F16 -> F16;
                case Q8_0 -> Q8_0;
                case Q4_0 -> Q4_0;
            };
            assertThat(gguf.tensors).as(type.name()).hasSize(1 + 1 + 2 * 9 + 1).doesNotContainKey("output.weight");
            assertThat(gguf.tensors.get("rope_freqs.weight").type()).isEqualTo(F32);
            assertThat(gguf.tensors.get("output_norm.weight").type()).isEqualTo(F32);
            assertThat(gguf.tensors.get("blk.1.attn_norm.weight").type()).isEqualTo(F32);
            assertThat(gguf.tensors.get("blk.1.ffn_norm.weight").type()).isEqualTo(F32);
            assertThat(gguf.tensors.get("blk.0.attn_q.weight").dims()).containsExactly(256, 256);
            assertThat(gguf.tensors.get("blk.0.attn_k.weight").dims()).containsExactly(256, 64);
            assertThat(gguf.tensors.get("blk.0.ffn_down.weight").dims()).containsExactly(512, 256);
            assertThat(gguf.tensors.get("token_embd.weight").dims()).containsExactly(256, 512);
            for (String name : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
                assertThat(gguf.tensors.get("blk.1." + name + ".weight").type()).as(type + " " + name).isEqualTo(matrix);
            }
            // Tied: token_embd is also the output projection, which Q4_0 keeps at Q8_0.
            assertThat(gguf.tensors.get("token_embd.weight").type()).isEqualTo(type == GgufType.Q4_0 ? Q8_0 : matrix);
        }
    }

    @Test
    void anUntiedModelGetsAnOutputTensorAndQ4_0KeepsOnlyThatAtQ8_0() throws IOException {
        Path dir = TestModels.folder("untied", TestModels.llama32Like().tieEmbeddings(false).llama3RopeScaling(false).seed(3));

        GgufTestReader gguf = new GgufTestReader(TestModels.gguf(dir, GgufType.Q4_0));

        assertThat(gguf.tensors.get("output.weight").type()).isEqualTo(Q8_0);
        assertThat(gguf.tensors.get("output.weight").dims()).containsExactly(256, 512);
        assertThat(gguf.tensors.get("token_embd.weight").type()).isEqualTo(Q4_0);
        assertThat(gguf.tensors).doesNotContainKey("rope_freqs.weight").hasSize(1 + 1 + 1 + 2 * 9);
    }

    @Test
    void queryAndKeyRowsAreInterleavedPerHeadWhileOtherWeightsAreCopiedExactly() throws IOException {
        Path dir = TestModels.modelDir();
        Map<String, ReferenceLlama.Tensor> hf = ReferenceLlama.readSafetensors(dir.resolve("model.safetensors"));
        GgufTestReader gguf = new GgufTestReader(TestModels.gguf(GgufType.F32));
        int headDim = 32;

        float[] q = gguf.f32("blk.1.attn_q.weight");
        float[] k = gguf.f32("blk.1.attn_k.weight");
        float[] hfQ = hf.get("model.layers.1.self_attn.q_proj.weight").data();
        float[] hfK = hf.get("model.layers.1.self_attn.k_proj.weight").data();
        for (int head = 0; head < 8; head++) assertHeadInterleaved(q, hfQ, head, headDim, 256);
        for (int head = 0; head < 2; head++) assertHeadInterleaved(k, hfK, head, headDim, 256);
        assertThat(q).isNotEqualTo(hfQ);

        assertThat(gguf.f32("blk.1.attn_v.weight")).containsExactly(hf.get("model.layers.1.self_attn.v_proj.weight").data());
        assertThat(gguf.f32("blk.0.ffn_down.weight")).containsExactly(hf.get("model.layers.0.mlp.down_proj.weight").data());
        assertThat(gguf.f32("token_embd.weight")).containsExactly(hf.get("model.embed_tokens.weight").data());
        assertThat(gguf.f32("output_norm.weight")).containsExactly(hf.get("model.norm.weight").data());
    }

    /** GGUF row {@code 2i + s} of a head is Hugging Face row {@code s * d/2 + i} of that head. */
    private static void assertHeadInterleaved(float[] gguf, float[] hf, int head, int headDim, int columns) {
        for (int i = 0; i < headDim / 2; i++) {
            for (int s = 0; s < 2; s++) {
                int ggufRow = head * headDim + 2 * i + s;
                int hfRow = head * headDim + s * headDim / 2 + i;
                for (int c = 0; c < columns; c += 37) {
                    assertThat(gguf[ggufRow * columns + c]).isEqualTo(hf[hfRow * columns + c]);
                }
            }
        }
    }

    @Test
    void ropeFreqsHoldTheLlama3ScalingThatTransformersApplies() throws IOException {
        GgufTestReader gguf = new GgufTestReader(TestModels.gguf(GgufType.Q4_0));

        float[] factors = gguf.f32("rope_freqs.weight");

        double[] plain = new double[16];
        double[] scaled = new double[16];
        transformersLlama3InverseFrequencies(32, 500_000, plain, scaled);
        assertThat(factors).hasSize(16);
        for (int i = 0; i < factors.length; i++) {
            // llama.cpp divides each frequency by its factor
            assertThat(plain[i] / factors[i]).as("frequency %d", i).isCloseTo(scaled[i], within(scaled[i] * 1e-6));
        }
        assertThat(factors[0]).isEqualTo(1f);
        assertThat(factors[15]).isEqualTo(32f);
    }

    @Test
    void quantizedBlocksAreBitIdenticalToGgmlsReferenceQuantizers() throws IOException {
        Map<String, ReferenceLlama.Tensor> hf = ReferenceLlama.readSafetensors(TestModels.modelDir().resolve("model.safetensors"));
        float[] weights = hf.get("model.layers.0.mlp.up_proj.weight").data(); // 512 rows x 256
        for (GgufType type : List.of(GgufType.Q8_0, GgufType.Q4_0)) {
            GgufTestReader gguf = new GgufTestReader(TestModels.gguf(type));
            int blockBytes = type == GgufType.Q8_0 ? 34 : 18;
            ByteBuffer actual = gguf.data("blk.0.ffn_up.weight", (long) weights.length / 32 * blockBytes);
            ByteBuffer expected = ByteBuffer.allocate(actual.capacity()).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < weights.length; b += 32) {
                if (type == GgufType.Q8_0) ggmlQ8_0(weights, b, expected);
                else ggmlQ4_0(weights, b, expected);
            }
            assertThat(actual).as(type.name()).isEqualTo(expected.flip());
        }
    }

    @Test
    void f16WeightsRoundToTheNearestHalfPrecisionValue() throws IOException {
        Map<String, ReferenceLlama.Tensor> hf = ReferenceLlama.readSafetensors(TestModels.modelDir().resolve("model.safetensors"));
        float[] weights = hf.get("model.layers.0.self_attn.o_proj.weight").data();
        GgufTestReader gguf = new GgufTestReader(TestModels.gguf(GgufType.F16));

        ByteBuffer data = gguf.data("blk.0.attn_output.weight", 2L * weights.length);

        for (int i = 0; i < weights.length; i++) {
            float half = Float.float16ToFloat(data.getShort());
            assertThat(half).isCloseTo(weights[i], within(Math.abs(weights[i]) * 4.9e-4f + 6e-8f));
        }
    }

    @Test
    void shardedBf16AndSingleFileF16FoldersConvertToTheSameValues() throws IOException {
        Path bf16 = TestModels.folder("bf16-sharded", TestModels.llama32Like().dtype(LlamaModelWriter.DType.BF16).shards(3).seed(5));
        Path f32 = TestModels.folder("f32-for-f16", TestModels.llama32Like().seed(5));
        Path f16 = TestModels.scratch("f16");
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) Files.copy(f32.resolve(f), f16.resolve(f));
        rewriteAsF16(f32.resolve("model.safetensors"), f16.resolve("model.safetensors"));
        assertThat(bf16.resolve("model.safetensors.index.json")).exists();

        GgufTestReader fromBf16 = new GgufTestReader(TestModels.gguf(bf16, GgufType.F32));
        GgufTestReader fromF16 = new GgufTestReader(TestModels.gguf(f16, GgufType.F32));
        GgufTestReader fromF32 = new GgufTestReader(TestModels.gguf(f32, GgufType.F32));

        float[] exact = fromF32.f32("blk.1.ffn_gate.weight");
        float[] viaBf16 = fromBf16.f32("blk.1.ffn_gate.weight");
        float[] viaF16 = fromF16.f32("blk.1.ffn_gate.weight");
        for (int i = 0; i < exact.length; i++) {
            assertThat(viaBf16[i]).isCloseTo(exact[i], within(Math.abs(exact[i]) / 128 + 1e-30f));
            assertThat(viaF16[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(exact[i])));
        }
        assertThat(fromBf16.tensors.keySet()).isEqualTo(fromF32.tensors.keySet());
    }

    @ParameterizedTest
    @EnumSource(GgufType.class)
    void everyTypeLoadsInLlamaCppAndGenerates(GgufType type) {
        try (LlamaCppBackend backend = LlamaCppBackend.builder().ggufFile(TestModels.gguf(type)).slots(1)
                .contextTokens(512).warmUpPrefix("").ignoreEndOfText(true).build()) {
            var g = backend.generate("How do I bake bread?", GenerationOptions.maxTokens(8));

            assertThat(g.generatedTokens()).hasValue(8);
            assertThat(g.text()).isNotEmpty();
            assertThat(backend.describeSetup()).contains(type.fileSuffix() + " weights");
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void aMissingFolderIsNamed() {
        Path missing = TestModels.scratch("x").resolve("no-such-model");

        assertThatThrownBy(() -> GgufConverter.builder().build().convert(missing, missing.resolveSibling("m.gguf")))
                .isInstanceOf(GgufConverter.ConversionException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    }

    @Test
    void aFolderWithoutConfigJsonSaysWhatAModelFolderHolds() throws IOException {
        Path dir = copyOf(TestModels.modelDir(), "no-config");
        Files.delete(dir.resolve("config.json"));

        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(GgufConverter.ConversionException.class)
                .hasMessageContaining("has no config.json").hasMessageContaining("tokenizer.json");
    }

    @Test
    void anotherArchitectureIsRefusedWithTheToolToUseInstead() throws IOException {
        Path dir = copyOf(TestModels.modelDir(), "qwen");
        editConfig(dir, c -> c.put("model_type", "qwen2").putArray("architectures").add("Qwen2ForCausalLM"));

        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(GgufConverter.ConversionException.class)
                .hasMessageContaining("'qwen2'").hasMessageContaining("convert_hf_to_gguf.py");
    }

    @Test
    void anUnsupportedWeightDtypeIsNamedWithTheTensor() throws IOException {
        Path dir = copyOf(TestModels.modelDir(), "int8");
        Path weights = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        String header = new String(bytes, 8, (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0), StandardCharsets.UTF_8);
        String patched = header.replaceFirst("\"F32\"", "\"I8\" "); // same length, so offsets stay valid
        System.arraycopy(patched.getBytes(StandardCharsets.UTF_8), 0, bytes, 8, patched.length());
        Files.write(weights, bytes);

        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(GgufConverter.ConversionException.class)
                .hasMessageContaining("stored as I8").hasMessageContaining("BF16, F16 and F32");
    }

    @Test
    void anUnsupportedRopeScalingIsRefused() throws IOException {
        Path dir = copyOf(TestModels.modelDir(), "yarn");
        editConfig(dir, c -> ((ObjectNode) c.get("rope_scaling")).put("rope_type", "yarn"));

        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(GgufConverter.ConversionException.class).hasMessageContaining("rope_scaling type 'yarn'");
    }

    @Test
    void aTruncatedWeightsFileIsReportedAndNoGgufIsLeftBehind() throws IOException {
        Path dir = copyOf(TestModels.modelDir(), "truncated");
        Path weights = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path out = dir.resolveSibling("truncated.gguf");

        assertThatThrownBy(() -> GgufConverter.builder().build().convert(dir, out))
                .isInstanceOf(GgufConverter.ConversionException.class)
                .hasMessageContaining("truncated").hasMessageContaining("download it again");
        assertThat(out).doesNotExist();
        try (Stream<Path> files = Files.list(dir.getParent())) {
            assertThat(files.filter(p -> p.toString().endsWith(".partial"))).isEmpty();
        }
    }

    @Test
    void aTokenizerWithoutLlama3PreTokenizationIsRefused() throws IOException {
        Path dir = copyOf(TestModels.modelDir(), "gpt2-tokenizer");
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        tokenizer.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);

        assertThatThrownBy(() -> convert(dir))
                .isInstanceOf(GgufConverter.ConversionException.class).hasMessageContaining("pre-tokenizer");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * transformers' {@code _compute_llama3_parameters} with Llama-3.2's rope_scaling (factor 32, low 1, high 4, 8192
     * original positions), in double: the frequencies without and with scaling.
     */
    private static void transformersLlama3InverseFrequencies(int headDim, double theta, double[] plain, double[] scaled) {
        double factor = 32;
        double low = 1;
        double high = 4;
        double original = 8192;
        double lowFreqWavelen = original / low;
        double highFreqWavelen = original / high;
        for (int i = 0; i < headDim / 2; i++) {
            double inv = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            double wavelen = 2 * Math.PI / inv;
            double llama = wavelen > lowFreqWavelen ? inv / factor : inv;
            if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
                double smooth = (original / wavelen - low) / (high - low);
                llama = (1 - smooth) * llama / factor + smooth * llama;
            }
            plain[i] = inv;
            scaled[i] = llama;
        }
    }

    private static Path convert(Path dir) {
        return GgufConverter.builder().type(GgufType.F16).build().convert(dir, dir.resolveSibling(dir.getFileName() + ".gguf"));
    }

    private static Path copyOf(Path dir, String name) throws IOException {
        Path copy = TestModels.scratch(name).resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        return copy;
    }

    private static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        edit.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
    }

    /** Rewrites an F32 safetensors file as F16 (header dtype and offsets, data rounded to nearest). */
    private static void rewriteAsF16(Path f32, Path f16) throws IOException {
        byte[] bytes = Files.readAllBytes(f32);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) in.getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) names.add(n);
        });
        ByteBuffer data = ByteBuffer.allocate((bytes.length - 8 - headerLength) / 2).order(ByteOrder.LITTLE_ENDIAN);
        for (String n : names) {
            ObjectNode t = (ObjectNode) header.get(n);
            long begin = t.get("data_offsets").get(0).asLong();
            long end = t.get("data_offsets").get(1).asLong();
            long newBegin = data.position();
            for (long at = begin; at < end; at += 4) data.putShort(Float.floatToFloat16(in.getFloat((int) (8 + headerLength + at))));
            t.put("dtype", "F16");
            t.putArray("data_offsets").add(newBegin).add(data.position());
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + data.position()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.position() < 8 + padded) out.put((byte) ' ');
        out.put(data.flip());
        Files.write(f16, out.array());
    }

    /** ggml-quants.c quantize_row_q8_0_ref, one block, written independently of the converter. */
    private static void ggmlQ8_0(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[at + j]));
        float d = amax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out.put((byte) Math.round(roundf(x[at + j] * id)));
    }

    /** ggml-quants.c quantize_row_q4_0_ref, one block. */
    private static void ggmlQ4_0(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            if (amax < Math.abs(x[at + j])) {
                amax = Math.abs(x[at + j]);
                max = x[at + j];
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (int) (x[at + j] * id + 8.5f));
            int xi1 = Math.min(15, (int) (x[at + 16 + j] * id + 8.5f));
            out.put((byte) (xi0 | xi1 << 4));
        }
    }

    /** C's roundf: half away from zero. */
    private static double roundf(float v) {
        return Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5);
    }
}
