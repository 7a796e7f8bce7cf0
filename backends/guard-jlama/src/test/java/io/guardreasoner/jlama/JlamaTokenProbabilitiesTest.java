package io.guardreasoner.jlama;

import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.test.model.LlamaModelWriter;
import io.guardreasoner.test.model.ReferenceLlama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each generated token's probability and likeliest alternatives, as {@code Generation.tokens()} reports them. */
class JlamaTokenProbabilitiesTest {

    private static final double LOGPROB_TOLERANCE = 1e-3;

    @TempDir
    static Path tmp;

    /** Llama-3.2's features at a small size, float32, weights large enough for peaked distributions. */
    private static LlamaModelWriter.Builder llama32Like() {
        return LlamaModelWriter.builder().hiddenSize(256).layers(2).heads(8).kvHeads(2).intermediateSize(512)
                .vocabSize(512).maxPositionEmbeddings(4096).ropeTheta(500_000).llama3RopeScaling(true)
                .tieEmbeddings(true).dtype(LlamaModelWriter.DType.F32).weightScale(0.1);
    }

    @Test
    void logprobsAreTheLogSoftmaxOfTheReferenceForwardPassOnAFloat32Model() throws Exception {
        Path dir = llama32Like().seed(4).build().write(tmp.resolve("f32"));
        String prompt = "Human user:\nHow do I bake bread at home?\n\nAI assistant:\nNone\n\n";
        ReferenceLlama reference = ReferenceLlama.load(dir);
        Llama3Tokenizer tokenizer = Llama3Tokenizer.load(dir);

        try (JlamaBackend backend = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache"))
                .quantization(JlamaBackend.Quantization.NONE).ignoreEndOfText(true).build()) {
            Generation g = backend.generate(prompt, GenerationOptions.maxTokens(10).withTopLogprobs(5));

            assertThat(g.tokens()).hasSize(10);
            int[] sequence = backend.encode(prompt);
            Llama3Tokenizer.StreamDecoder pieces = tokenizer.streamDecoder(true);
            for (GeneratedToken token : g.tokens()) {
                double[] logSoftmax = logSoftmax(reference.logits(sequence)[sequence.length - 1]);
                int[] likeliest = IntStream.range(0, logSoftmax.length).boxed()
                        .sorted(Comparator.comparingDouble((Integer i) -> -logSoftmax[i])).limit(5)
                        .mapToInt(Integer::intValue).toArray();
                int chosen = likeliest[0];

                assertThat(token.text()).isEqualTo(pieces.peek(chosen));
                assertThat(token.logprob()).isCloseTo(logSoftmax[chosen], within(LOGPROB_TOLERANCE));
                assertThat(token.top()).hasSize(5);
                for (int i = 0; i < 5; i++) {
                    assertThat(token.top().get(i).logprob()).isCloseTo(logSoftmax[likeliest[i]], within(LOGPROB_TOLERANCE));
                    assertThat(token.top().get(i).text()).isEqualTo(pieces.peek(likeliest[i]));
                }
                pieces.next(chosen);
                sequence = Arrays.copyOf(sequence, sequence.length + 1);
                sequence[sequence.length - 1] = chosen;
            }
        }
    }

    @Test
    void tokensSpellWhatTheModelWroteIncludingTheCutAndRankTheGreedyTokenFirst() {
        Path dir = LlamaModelWriter.builder().seed(13).build().write(tmp.resolve("tiny"));
        try (JlamaBackend backend = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache"))
                .ignoreEndOfText(true).build()) {
            String prompt = "Tell me about the weather in Kyoto, 京都.";
            String full = backend.generate(prompt, GenerationOptions.maxTokens(30)).text();
            String stop = full.substring(full.length() / 2, full.length() / 2 + 2);

            Generation g = backend.generate(prompt, GenerationOptions.maxTokens(30).withStopSequences(List.of(stop))
                    .withTopLogprobs(3));

            assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
            assertThat(g.cut()).startsWith(stop);
            assertThat(g.written()).isEqualTo(g.text() + g.cut()).startsWith(full.substring(0, full.indexOf(stop)));
            assertThat(g.tokens()).hasSize(g.generatedTokens().getAsInt());
            assertThat(g.tokens().stream().map(GeneratedToken::text).collect(Collectors.joining())).isEqualTo(g.written());
            assertRankedAndGreedyFirst(g.tokens(), 3);
            assertThat(backend.generate(prompt, GenerationOptions.maxTokens(5)).tokens()).as("none asked for").isEmpty();
        }
    }

    @Test
    void theEightBitLogitsPathReportsTheDistributionItChoseFrom() {
        Path dir = LlamaModelWriter.builder().hiddenSize(512).intermediateSize(512).heads(8).kvHeads(4).layers(1)
                .vocabSize(2048).tieEmbeddings(true).seed(2).build().write(tmp.resolve("logits"));
        try (JlamaBackend fast = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache"))
                .ignoreEndOfText(true).build()) {
            assertThat(fast.quantizedLogits()).isTrue();

            Generation g = fast.generate("How do I bake bread?", GenerationOptions.maxTokens(12).withTopLogprobs(20));

            assertThat(g.tokens()).hasSize(12);
            assertThat(g.tokens().stream().map(GeneratedToken::text).collect(Collectors.joining())).isEqualTo(g.text());
            assertRankedAndGreedyFirst(g.tokens(), 20);
            for (GeneratedToken token : g.tokens()) {
                double top = token.top().stream().mapToDouble(GeneratedToken.Alternative::probability).sum();
                assertThat(top).isLessThanOrEqualTo(1 + 1e-9);
            }
        }
    }

    /** Probabilities in (0, 1], alternatives most likely first, the generated token (greedy) ranked first. */
    private static void assertRankedAndGreedyFirst(List<GeneratedToken> tokens, int k) {
        for (GeneratedToken token : tokens) {
            assertThat(token.probability()).isGreaterThan(0).isLessThanOrEqualTo(1);
            assertThat(token.top()).hasSize(k);
            assertThat(token.top().getFirst().text()).isEqualTo(token.text());
            assertThat(token.top().getFirst().logprob()).isEqualTo(token.logprob());
            for (int i = 1; i < k; i++) {
                assertThat(token.top().get(i).logprob()).isLessThanOrEqualTo(token.top().get(i - 1).logprob());
                assertThat(token.top().get(i).probability()).isGreaterThan(0).isLessThanOrEqualTo(1);
            }
        }
    }

    private static double[] logSoftmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double sum = Arrays.stream(logits).map(v -> Math.exp(v - max)).sum();
        double log = max + Math.log(sum);
        return Arrays.stream(logits).map(v -> v - log).toArray();
    }
}
