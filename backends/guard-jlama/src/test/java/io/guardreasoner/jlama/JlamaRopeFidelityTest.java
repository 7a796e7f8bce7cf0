package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import io.guardreasoner.test.model.ReferenceLlama;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jlama with our fixes computes the logits of the Llama forward pass (transformers' math, {@link ReferenceLlama}) on a
 * small model with Llama-3.2's config features; plain Jlama 0.8.4 does not, because it ignores llama3 rope_scaling.
 */
class JlamaRopeFidelityTest {

    private static final int PROMPT_TOKENS = 300;
    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;

    private static int[] prompt;
    private static Path llama3Model;
    private static double[][] llama3Reference;

    /**
     * Llama-3.2's config features at a small size: GQA (8 query, 2 KV heads), rope_theta 500000, llama3 rope_scaling,
     * tied embeddings, float32 so that only the math differs. Weights are larger than a fresh model's so attention is
     * sharp and the rotary frequencies show in the logits.
     */
    private static LlamaModelWriter.Builder llama32Like() {
        return LlamaModelWriter.builder().hiddenSize(256).layers(2).heads(8).kvHeads(2).intermediateSize(512)
                .vocabSize(512).maxPositionEmbeddings(4096).ropeTheta(500_000).llama3RopeScaling(true)
                .tieEmbeddings(true).dtype(LlamaModelWriter.DType.F32).weightScale(0.1);
    }

    @BeforeAll
    static void modelAndReference() throws Exception {
        Random random = new Random(7);
        prompt = new int[PROMPT_TOKENS];
        prompt[0] = llama32Like().build().beginOfTextId();
        for (int i = 1; i < prompt.length; i++) prompt[i] = random.nextInt(400);
        llama3Model = llama32Like().seed(1).build().write(tmp.resolve("llama3-rope"));
        llama3Reference = ReferenceLlama.load(llama3Model).logits(prompt);
    }

    @Test
    void fixedJlamaMatchesTheReferenceOnAllPositionsOfA300TokenPrompt() throws Exception {
        double[][] reference = llama3Reference;

        double[][] jlama;
        double[][] chunkedPrefill;
        try (AbstractModel model = FaithfulLlamaLoader.loadF32(llama3Model)) {
            jlama = jlamaLogits(model, prompt);
            chunkedPrefill = lastChunkOfOnePrefill(model, prompt);
        }

        assertThat(worstRelativeError(jlama, reference)).isLessThanOrEqualTo(TOLERANCE);
        // Jlama prefills in chunks of 256 tokens and returns the last chunk: positions 256..299.
        assertThat(worstRelativeError(chunkedPrefill,
                Arrays.copyOfRange(reference, reference.length - chunkedPrefill.length, reference.length)))
                .isLessThanOrEqualTo(TOLERANCE);
        assertThat(chunkedPrefill.length).isEqualTo(PROMPT_TOKENS - 256);
    }

    private static double[][] lastChunkOfOnePrefill(AbstractModel model, int[] tokens) {
        KvBufferCache cache = new KvBufferCache(model);
        try (KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer();
             AbstractTensor last = model.batchForward(tokens, 0, kv)) {
            double[][] out = new double[last.shape().first()][];
            for (int row = 0; row < out.length; row++) out[row] = logits(model, last.slice(row));
            return out;
        } finally {
            cache.close();
        }
    }

    @Test
    void plainJlamaDisagreesWithTheReferenceBecauseItIgnoresLlama3RopeScaling() throws Exception {
        double[][] reference = llama3Reference;

        double[][] jlama;
        try (AbstractModel model = ModelSupport.loadModel(llama3Model.toFile(), DType.F32, DType.F32)) {
            jlama = jlamaLogits(model, prompt);
        }

        // Position 0 has no rotation, so the first logits agree; later ones drift far beyond the tolerance.
        assertThat(relativeError(jlama[0], reference[0])).isLessThanOrEqualTo(TOLERANCE);
        assertThat(worstRelativeError(jlama, reference)).isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void leavesModelsWithoutRopeScalingAsJlamaComputesThemAndHandlesSeparateLmHeadAndShards() throws Exception {
        Path dir = llama32Like().llama3RopeScaling(false).tieEmbeddings(false).shards(2).seed(2).build()
                .write(tmp.resolve("plain-rope-untied"));
        int[] tokens = Arrays.copyOf(prompt, 64);
        double[][] reference = ReferenceLlama.load(dir).logits(tokens);

        double[][] jlama;
        try (AbstractModel model = FaithfulLlamaLoader.loadF32(dir)) {
            jlama = jlamaLogits(model, tokens);
        }

        assertThat(worstRelativeError(jlama, reference)).isLessThanOrEqualTo(TOLERANCE);
    }

    /**
     * Logits at every position, as generation computes them: the prompt's first part in one batched prefill, the
     * rest one token at a time through the decode path.
     */
    private static double[][] jlamaLogits(AbstractModel model, int[] tokens) {
        int prefill = Math.min(tokens.length, 200);
        double[][] out = new double[tokens.length][];
        KvBufferCache cache = new KvBufferCache(model);
        try (KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer()) {
            try (AbstractTensor batch = model.batchForward(Arrays.copyOf(tokens, prefill), 0, kv)) {
                for (int pos = 0; pos < prefill; pos++) out[pos] = logits(model, batch.slice(pos));
            }
            for (int pos = prefill; pos < tokens.length; pos++) {
                try (AbstractTensor hidden = model.forward(tokens[pos], pos, kv, Optional.empty())) {
                    out[pos] = logits(model, hidden);
                }
            }
        } finally {
            cache.close();
        }
        return out;
    }

    private static double[] logits(AbstractModel model, AbstractTensor hidden) {
        int vocab = model.getConfig().vocabularySize;
        try (AbstractTensor logits = model.makeDenseTensor(1, vocab)) {
            model.sample(hidden, 0f, 0f, logits); // temperature 0: fills raw logits, returns the argmax
            double[] out = new double[vocab];
            for (int i = 0; i < vocab; i++) out[i] = logits.get(0, i);
            return out;
        }
    }

    /** max |a - b| over the vocabulary, relative to the largest reference logit at that position. */
    private static double relativeError(double[] actual, double[] reference) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < reference.length; i++) {
            scale = Math.max(scale, Math.abs(reference[i]));
            diff = Math.max(diff, Math.abs(actual[i] - reference[i]));
        }
        return diff / scale;
    }

    private static double worstRelativeError(double[][] actual, double[][] reference) {
        double worst = 0;
        for (int pos = 0; pos < reference.length; pos++) worst = Math.max(worst, relativeError(actual[pos], reference[pos]));
        return worst;
    }
}
