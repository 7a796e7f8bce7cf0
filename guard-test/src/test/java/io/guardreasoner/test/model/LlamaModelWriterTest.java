package io.guardreasoner.test.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LlamaModelWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void sameSeedWritesTheSameBytesAndAnotherSeedDifferentOnes() throws IOException {
        Path a = LlamaModelWriter.builder().seed(1).build().write(tmp.resolve("a"));
        Path b = LlamaModelWriter.builder().seed(1).build().write(tmp.resolve("b"));
        Path c = LlamaModelWriter.builder().seed(2).build().write(tmp.resolve("c"));

        for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
            assertThat(Files.mismatch(a.resolve(f), b.resolve(f))).as(f).isEqualTo(-1L);
        }
        assertThat(Files.mismatch(a.resolve("model.safetensors"), c.resolve("model.safetensors"))).isNotEqualTo(-1L);
    }

    @Test
    void shardsHoldTheSameTensorsAsTheSingleFile() throws IOException {
        LlamaModelWriter writer = LlamaModelWriter.builder().shards(3).build();
        Path sharded = writer.write(tmp.resolve("sharded"));
        Path single = LlamaModelWriter.builder().build().write(tmp.resolve("single"));

        JsonNode index = JSON.readTree(sharded.resolve("model.safetensors.index.json").toFile());
        Set<String> indexed = new HashSet<>();
        index.get("weight_map").fieldNames().forEachRemaining(indexed::add);
        Set<String> inShards = new HashSet<>();
        for (int s = 1; s <= 3; s++) {
            Path shard = sharded.resolve(String.format("model-%05d-of-00003.safetensors", s));
            safetensorsHeader(shard).fieldNames().forEachRemaining(inShards::add);
        }
        inShards.remove("__metadata__");
        Set<String> inSingle = new HashSet<>();
        safetensorsHeader(single.resolve("model.safetensors")).fieldNames().forEachRemaining(inSingle::add);
        inSingle.remove("__metadata__");

        assertThat(indexed).isEqualTo(inShards).isEqualTo(inSingle).contains("lm_head.weight", "model.norm.weight");
        assertThat(index.at("/metadata/total_size").asLong()).isEqualTo(writer.weightBytes());
    }

    @Test
    void configDescribesALlama32StyleModel() throws IOException {
        LlamaModelWriter writer = LlamaModelWriter.builder().tieEmbeddings(true).llama3RopeScaling(true)
                .dtype(LlamaModelWriter.DType.BF16).build();
        Path dir = writer.write(tmp.resolve("m"));

        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertThat(config.get("model_type").asText()).isEqualTo("llama");
        assertThat(config.get("tie_word_embeddings").asBoolean()).isTrue();
        assertThat(config.at("/rope_scaling/rope_type").asText()).isEqualTo("llama3");
        assertThat(config.at("/rope_scaling/factor").asDouble()).isEqualTo(32.0);
        assertThat(config.get("bos_token_id").asInt()).isEqualTo(writer.beginOfTextId());
        assertThat(config.get("torch_dtype").asText()).isEqualTo("bfloat16");
        JsonNode header = safetensorsHeader(dir.resolve("model.safetensors"));
        assertThat(header.has("lm_head.weight")).isFalse();
        assertThat(header.at("/model.embed_tokens.weight/dtype").asText()).isEqualTo("BF16");
    }

    @Test
    void fillsALargeVocabularyWithDistinctMerges() throws IOException {
        Path dir = LlamaModelWriter.builder().vocabSize(5000).specialTokens(256).hiddenSize(32).heads(2).kvHeads(1)
                .intermediateSize(32).layers(1).build().write(tmp.resolve("big"));

        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(tokenizer.at("/model/vocab").size()).isEqualTo(5000 - 256);
        assertThat(tokenizer.at("/model/merges").size()).isEqualTo(5000 - 256 - 256);
        assertThat(tokenizer.get("added_tokens").get(255).get("content").asText())
                .isEqualTo("<|reserved_special_token_247|>");
    }

    @Test
    void rejectsShapesLlamaCannotHave() {
        assertThatThrownBy(() -> LlamaModelWriter.builder().hiddenSize(65).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of heads");
        assertThatThrownBy(() -> LlamaModelWriter.builder().vocabSize(100).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 bytes");
    }

    /** A safetensors file's JSON header: an 8-byte little-endian length, then the JSON. */
    private static JsonNode safetensorsHeader(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, 0);
            ByteBuffer json = ByteBuffer.allocate(Math.toIntExact(length.getLong(0)));
            channel.read(json, 8);
            return JSON.readTree(json.array());
        }
    }
}
