package io.guardreasoner.jlama;

import io.guardreasoner.test.model.LlamaModelWriter;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The benchmark switch {@link JlamaBackend.Builder#ignoreEndOfText}: random weights generate the length asked for. */
class JlamaBackendIgnoreEndOfTextTest {

    private static final int MAX_TOKENS = 300;

    @TempDir
    Path tmp;

    @Test
    void generatesThroughEndOfTextOnlyWhenAskedTo() {
        // Prompts are plain text, so none can hand the model an end-of-text token to repeat; with separate output
        // weights this random model writes one on its own for several of these prompts.
        Path dir = LlamaModelWriter.builder().seed(5).build().write(tmp.resolve("tiny"));
        List<String> prompts = List.of("How do I bake bread?", "Tell me a story.", "What is 2 + 2?",
                "Write a poem about the sea.", "Explain photosynthesis.", "Is this request harmful?");
        Optional<String> endsEarly;
        try (JlamaBackend normal = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache")).build()) {
            endsEarly = prompts.stream().filter(p -> normal.generate(p, GenerationOptions.maxTokens(MAX_TOKENS))
                    .finishReason() == Generation.FinishReason.END_OF_TEXT).findFirst();
            assumeTrue(endsEarly.isPresent(), "no prompt made this random model emit end-of-text");
            Generation stopped = normal.generate(endsEarly.get(), GenerationOptions.maxTokens(MAX_TOKENS));
            assertThat(stopped.generatedTokens().getAsInt()).isLessThan(MAX_TOKENS);
        }

        try (JlamaBackend bench = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache"))
                .ignoreEndOfText(true).build()) {
            Generation g = bench.generate(endsEarly.get(), GenerationOptions.maxTokens(MAX_TOKENS));

            assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
            assertThat(g.generatedTokens()).hasValue(MAX_TOKENS);
            assertThat(bench.describeSetup()).contains("end-of-text ignored");
        }
    }
}
