package io.guardreasoner.llamacpp;

import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.jlama.JlamaBackend;
import io.guardreasoner.test.model.ReferenceLlama;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Two engines, one model: the same random-weight float32 model, with llama3 RoPE scaling, GQA and tied embeddings, run
 * through Jlama ({@link JlamaBackend}, quantization {@code NONE}) and through llama.cpp on the F32 GGUF that
 * {@link GgufConverter} writes (F32 KV cache), on prompts of more than 800 tokens, where llama3 scaling changes the
 * rotations. They must read as many tokens and produce the same greedy tokens with the same probabilities; llama.cpp's
 * must also match the plain-Java reference forward pass. This checks the tokenizer, RoPE, the converter and both
 * backends independently of one another.
 */
class JlamaCrossCheckTest {

    private static final int GENERATED = 32;

    private static Path modelDir;
    private static LlamaCppBackend llamaCpp;
    private static JlamaBackend jlama;

    @BeforeAll
    static void setUp() {
        modelDir = TestModels.modelDir();
        llamaCpp = LlamaCppBackend.builder().ggufFile(TestModels.gguf(GgufType.F32)).kvCacheType(KvCacheType.F32)
                .slots(1).contextTokens(2560).build();
        jlama = JlamaBackend.builder().modelDir(modelDir).cacheDir(TestModels.scratch("jlama-cache"))
                .quantization(JlamaBackend.Quantization.NONE).build();
    }

    @AfterAll
    static void tearDown() {
        llamaCpp.close();
        jlama.close();
    }

    /** A GuardReasoner prompt whose exchange is long enough to reach positions where llama3 scaling matters. */
    static String longPrompt() {
        return longPrompt(40);
    }

    static String longPrompt(int steps) {
        StringBuilder request = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            request.append("Step ").append(i).append(": the human user asks whether bread at home is harmful, and the ")
                    .append("assistant explains flour, water and yeast. ");
        }
        return GuardPrompt.modelCard().render(Exchange.of(request.toString(), "Mix flour, water and yeast; bake at 220 C."));
    }

    @Test
    void bothEnginesGenerateTheSameGreedyTokensWithTheSameProbabilities() {
        // Prompts on which this random model writes all 32 tokens before an end-of-text token (on others it stops early).
        for (String prompt : List.of(longPrompt(45), longPrompt(30) + " Ünïcödé 日本語 🙂 <|eot_id|>")) {
            GenerationOptions options = GenerationOptions.maxTokens(GENERATED).withTopLogprobs(3);

            Generation expected = jlama.generate(prompt, options);
            Generation actual = llamaCpp.generate(prompt, options);

            assertThat(actual.promptTokens()).isEqualTo(expected.promptTokens());
            assertThat(actual.promptTokens().getAsInt()).isGreaterThan(800);
            assertThat(expected.generatedTokens()).as("tokens to compare").hasValue(GENERATED);
            assertThat(actual.finishReason()).isEqualTo(expected.finishReason());
            assertThat(actual.generatedTokens()).isEqualTo(expected.generatedTokens());
            assertThat(actual.text()).isEqualTo(expected.text());
            assertThat(actual.tokens()).hasSameSizeAs(expected.tokens());
            for (int i = 0; i < expected.tokens().size(); i++) {
                GeneratedToken e = expected.tokens().get(i);
                GeneratedToken a = actual.tokens().get(i);
                assertThat(a.text()).as("token %d", i).isEqualTo(e.text());
                assertThat(a.logprob()).as("token %d", i).isCloseTo(e.logprob(), within(2e-3));
                assertThat(a.top().get(0).text()).as("token %d", i).isEqualTo(e.top().get(0).text());
                for (int k = 0; k < a.top().size(); k++) {
                    assertThat(a.top().get(k).logprob()).as("token %d, alternative %d", i, k)
                            .isCloseTo(e.top().get(k).logprob(), within(2e-3));
                }
            }
            assertThat(actual.tokens().stream().map(GeneratedToken::text).distinct().count())
                    .as("a varied continuation").isGreaterThan(3);
        }
    }

    @Test
    void bothEnginesReadAsManyTokensForTextWithSpecialTokensAndUnicode() {
        for (String text : List.of("How do I bake bread?", "<|begin_of_text|><|eot_id|> typed by a user",
                "Ünïcödé 日本語 1234567 don't  tabs\t\r\n émoji 🙂.", GuardPrompt.INSTRUCTION)) {
            int jlamaTokens = jlama.generate(text, GenerationOptions.maxTokens(1)).promptTokens().getAsInt();

            assertThat(llamaCpp.countTokens(text)).as(text).isEqualTo(jlamaTokens);
        }
    }

    @Test
    void llamaCppProbabilitiesMatchTheReferenceForwardPass() throws Exception {
        String prompt = longPrompt();
        int[] ids = llamaCpp.tokenize(prompt);
        double[][] reference = ReferenceLlama.load(modelDir).logits(ids);
        double[] last = logSoftmax(reference[ids.length - 1]);

        LlamaCppBackend.Completion c = llamaCpp.complete(prompt, GenerationOptions.maxTokens(1).withTopLogprobs(5));

        int referenceArgmax = argmax(last);
        assertThat(c.tokenIds()).containsExactly(referenceArgmax);
        GeneratedToken first = c.generation().tokens().get(0);
        assertThat(first.logprob()).isCloseTo(last[referenceArgmax], within(1e-3));
        double[] sorted = Arrays.stream(last).map(v -> -v).sorted().map(v -> -v).toArray();
        for (int k = 0; k < first.top().size(); k++) {
            assertThat(first.top().get(k).logprob()).as("alternative %d", k).isCloseTo(sorted[k], within(1e-3));
        }
    }

    static double[] logSoftmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double sum = 0;
        for (double v : logits) sum += Math.exp(v - max);
        double lse = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
        return out;
    }

    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
