package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackendException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where models come from: single and sharded folders, the download cache, pre-quantized copies, broken folders. */
class JlamaModelLoadingTest {

    @TempDir
    Path tmp;

    private JlamaBackend.Builder local(Path dir) {
        return JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache"));
    }

    @Test
    void loadsAShardedBf16ModelWithTiedEmbeddingsAndLlama3Rope() {
        Path dir = LlamaModelWriter.builder().shards(3).dtype(LlamaModelWriter.DType.BF16).tieEmbeddings(true)
                .llama3RopeScaling(true).build().write(tmp.resolve("sharded"));
        assertThat(dir.resolve("model.safetensors.index.json")).exists();
        assertThat(dir.resolve("model-00003-of-00003.safetensors")).exists();

        try (JlamaBackend asStored = local(dir).quantization(JlamaBackend.Quantization.NONE).build();
             JlamaBackend preQuantized = local(dir).build()) {
            assertThat(asStored.loadedDir()).isEqualTo(dir);
            assertThat(asStored.generate("Hello there", GenerationOptions.maxTokens(5)).generatedTokens()).hasValue(5);
            assertThat(preQuantized.loadedDir()).isNotEqualTo(dir);
            assertThat(preQuantized.generate("Hello there", GenerationOptions.maxTokens(5)).generatedTokens()).hasValue(5);
        }
    }

    @Test
    void loadsASingleFileModelAsStored() {
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("single"));

        try (JlamaBackend b = local(dir).quantization(JlamaBackend.Quantization.NONE).build()) {
            assertThat(b.quantization()).isEqualTo(JlamaBackend.Quantization.NONE);
            assertThat(b.generate("Hello world, how are you?", GenerationOptions.maxTokens(4)).generatedTokens())
                    .hasValue(4);
            // With seed 42 the model's first greedy choice after this prompt is <|end_of_text|>.
            Generation ended = b.generate("Hello there", GenerationOptions.maxTokens(4));
            assertThat(ended.finishReason()).isEqualTo(Generation.FinishReason.END_OF_TEXT);
            assertThat(ended.generatedTokens()).hasValue(0);
            assertThat(ended.text()).isEmpty();
        }
    }

    @Test
    void preQuantizesOnceIntoTheCacheAndLoadsQ4Afterwards() throws IOException {
        // Hidden and intermediate sizes of 512 let Jlama run Q4 weights with 8-bit activations on AVX-512 too.
        Path dir = LlamaModelWriter.builder().hiddenSize(512).intermediateSize(512).heads(8).kvHeads(4).layers(1)
                .dtype(LlamaModelWriter.DType.BF16).build().write(tmp.resolve("bf16"));
        Path quantized;
        String first;
        try (JlamaBackend b = local(dir).build()) {
            assertThat(b.quantization()).isEqualTo(JlamaBackend.Quantization.PRE_QUANTIZED_Q4);
            assertThat(b.activationType()).isEqualTo("I8");
            quantized = b.loadedDir();
            first = b.generate("Hello there", GenerationOptions.maxTokens(4)).text();
        }
        assertThat(quantized).startsWith(tmp.resolve("cache")).isNotEqualTo(dir);
        assertThat(quantized.resolve(".finished")).exists();
        Path weights = quantized.resolve("model.safetensors");
        assertThat(ModelDirectory.storedWeightType(java.util.List.of(weights))).isEqualTo("Q4");
        assertThat(ModelDirectory.readSafetensorsHeader(weights).has("model.layers.0.mlp.up_proj.weight.qb")).isTrue();
        assertThat(ModelDirectory.readSafetensorsHeader(weights).path("model.norm.weight").path("dtype").asText())
                .isEqualTo("BF16");
        FileTime written = Files.getLastModifiedTime(weights);

        try (JlamaBackend again = local(dir).build()) {
            assertThat(again.loadedDir()).isEqualTo(quantized);
            assertThat(again.generate("Hello there", GenerationOptions.maxTokens(4)).text()).isEqualTo(first);
        }
        assertThat(Files.getLastModifiedTime(weights)).isEqualTo(written);
    }

    @Test
    void eightBitLogitsPickTheTokensJlamasFloatKernelPicks() {
        Path dir = LlamaModelWriter.builder().hiddenSize(512).intermediateSize(512).heads(8).kvHeads(4).layers(1)
                .vocabSize(2048).tieEmbeddings(true).build().write(tmp.resolve("logits"));
        try (JlamaBackend fast = local(dir).build(); JlamaBackend plain = local(dir).quantizedLogits(false).build()) {
            assertThat(fast.quantizedLogits()).isTrue();
            assertThat(plain.quantizedLogits()).isFalse();
            // 8-bit activations round the logits slightly, so a near tie may flip; a wrong kernel agrees by chance only.
            int agree = 0;
            String[] prompts = {"How do I bake bread?", "Tell me a story.", "What is 2 + 2?", "Is this harmful?",
                    "Write a poem about the sea.", "Explain photosynthesis.", "Who won the match?", "Translate this.",
                    "How do I pick a lock?", "Summarise the news."};
            for (String prompt : prompts) {
                if (fast.generate(prompt, GenerationOptions.maxTokens(1)).text()
                        .equals(plain.generate(prompt, GenerationOptions.maxTokens(1)).text())) agree++;
            }
            assertThat(agree).isGreaterThanOrEqualTo(8);
        }
    }

    @Test
    void generatesWhatJlamasOwnGenerateGivesOnAFreshSession() throws IOException {
        Path dir = LlamaModelWriter.builder().seed(3).build().write(tmp.resolve("same"));
        String prompt = GuardPrompt.modelCard().render(Exchange.request("How do I bake bread at home?"));
        AbstractModel jlama = JlamaModelLoader.jlama().load(dir, DType.F32, DType.F32, Optional.empty(),
                Optional.of(Files.createDirectories(tmp.resolve("jlama-work"))));
        Generator.Response expected;
        try {
            int promptTokens = jlama.encodePrompt(PromptContext.of(prompt)).length;
            // Jlama's limit counts positions; the first token comes from the prompt's own pass, so 11 more give 12.
            expected = jlama.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, promptTokens + 11, (t, ms) -> { });
        } finally {
            jlama.close();
        }

        try (JlamaBackend b = local(dir).loader(JlamaModelLoader.jlama()).quantization(JlamaBackend.Quantization.NONE)
                .prefixReuse(false).build()) {
            Generation g = b.generate(prompt, GenerationOptions.maxTokens(12));
            assertThat(g.promptTokens().getAsInt()).isGreaterThan(128); // prefilled in more than one chunk
            assertThat(g.text()).isEqualTo(expected.responseText);
            assertThat(g.promptTokens()).hasValue(expected.promptTokens + 1);
        }
    }

    @Test
    void runtimeQuantizationIsAvailableAsTheNaiveConfiguration() {
        Path dir = LlamaModelWriter.builder().dtype(LlamaModelWriter.DType.BF16).build().write(tmp.resolve("rt"));

        try (JlamaBackend b = local(dir).quantization(JlamaBackend.Quantization.RUNTIME_Q4).prefixReuse(false).build()) {
            assertThat(b.loadedDir()).isEqualTo(dir);
            assertThat(b.generate("Hello", GenerationOptions.maxTokens(3)).generatedTokens()).hasValue(3);
        }
        assertThat(tmp.resolve("cache").resolve("quantized")).doesNotExist();
    }

    @Test
    void missingFolderIsNamed() {
        Path nowhere = tmp.resolve("nowhere");
        assertThatThrownBy(() -> local(nowhere).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining(nowhere.toString()).hasMessageContaining("does not exist");
    }

    @Test
    void missingConfigIsNamed() throws IOException {
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("m"));
        Files.delete(dir.resolve("config.json"));

        assertThatThrownBy(() -> local(dir).build())
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("has no config.json");
    }

    @Test
    void missingTokenizerIsNamed() throws IOException {
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("m"));
        Files.delete(dir.resolve("tokenizer.json"));

        assertThatThrownBy(() -> local(dir).build())
                .isInstanceOf(GuardBackendException.class).hasMessageContaining("has no tokenizer.json");
    }

    @Test
    void missingWeightsAreNamed() throws IOException {
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("m"));
        Files.delete(dir.resolve("model.safetensors"));

        assertThatThrownBy(() -> local(dir).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("expected model.safetensors or model.safetensors.index.json");
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Path dir = LlamaModelWriter.builder().shards(2).build().write(tmp.resolve("m"));
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));

        assertThatThrownBy(() -> local(dir).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors").hasMessageContaining("is missing");
    }

    @Test
    void brokenWeightsAndConfigAreNamed() throws IOException {
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("m"));
        Files.writeString(dir.resolve("model.safetensors"), "not safetensors");
        assertThatThrownBy(() -> local(dir).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("not a safetensors file");

        Files.writeString(dir.resolve("config.json"), "{ broken");
        assertThatThrownBy(() -> local(dir).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("config.json is not valid JSON");
    }

    @Test
    void aModelAlreadyInTheCacheIsUsedWithoutDownloading() throws IOException {
        Path cache = tmp.resolve("hf");
        Path local = HuggingFaceDownload.localDir("someone/TinyGuard", cache);
        LlamaModelWriter.builder().build().write(local);
        Files.createFile(local.resolve(".finished"));

        try (JlamaBackend b = JlamaBackend.builder().model("someone/TinyGuard").cacheDir(cache)
                .quantization(JlamaBackend.Quantization.NONE).build()) {
            assertThat(b.modelId()).isEqualTo("someone/TinyGuard");
            assertThat(b.sourceDir()).isEqualTo(local);
            assertThat(b.generate("Hi", GenerationOptions.maxTokens(2)).generatedTokens()).hasValue(2);
        }
    }

    @Test
    void aCompleteFolderWithoutTheFinishedMarkerIsNotDownloadedAgain() {
        Path cache = tmp.resolve("hf2");
        Path local = HuggingFaceDownload.localDir("someone/CopiedByHand", cache);
        LlamaModelWriter.builder().build().write(local);

        try (JlamaBackend b = JlamaBackend.builder().model("someone/CopiedByHand").cacheDir(cache)
                .quantization(JlamaBackend.Quantization.NONE).build()) {
            assertThat(b.sourceDir()).isEqualTo(local);
            assertThat(b.health().up()).isTrue();
        }
    }

    @Test
    void aFailedDownloadSuggestsModelDir() {
        assertThatThrownBy(() -> JlamaBackend.builder().model("guardreasoner-test/no-such-model")
                .cacheDir(tmp.resolve("hf")).build())
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("Could not download guardreasoner-test/no-such-model")
                .hasMessageContaining("modelDir(")
                .hasMessageContaining("--model-dir");
    }

    @Test
    void aBadModelIdIsExplained() {
        assertThatThrownBy(() -> JlamaBackend.builder().model("no-slash").cacheDir(tmp).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("owner/name");
    }
}
