package io.guardreasoner.langchain4j.jlama;

import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class JlamaSmokeTest {
    @TempDir
    Path tmp;

    @Test
    void smoke() {
        long t0 = System.nanoTime();
        Path dir = LlamaModelWriter.builder().build().write(tmp.resolve("m"));
        long t1 = System.nanoTime();
        try (JlamaBackend b = JlamaBackend.builder().modelDir(dir).cacheDir(tmp.resolve("cache")).build()) {
            long t2 = System.nanoTime();
            Generation g = b.generate("Hello world, how are you?", GenerationOptions.maxTokens(8));
            Generation g2 = b.generate("Hello world, how are you?", GenerationOptions.maxTokens(8));
            long t3 = System.nanoTime();
            System.out.println("write " + (t1 - t0) / 1e6 + " load " + (t2 - t1) / 1e6 + " gen " + (t3 - t2) / 1e6);
            System.out.println(g + " / " + g2 + " " + b.quantization() + " " + JlamaBackend.kernels());
            assertThat(g.generatedTokens().getAsInt()).isEqualTo(8);
            assertThat(g2.text()).isEqualTo(g.text());
        }
    }
}
