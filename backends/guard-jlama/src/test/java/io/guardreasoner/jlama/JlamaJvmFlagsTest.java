package io.guardreasoner.jlama;

import io.guardreasoner.core.GuardBackendException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A JVM started without the Vector API gets told which flag to add instead of a NoClassDefFoundError. */
class JlamaJvmFlagsTest {

    @Test
    void aJvmWithoutTheVectorModuleIsToldWhichFlagToAdd() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                WithoutVectorModule.class.getName()).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(output).contains("GuardBackendException: Jlama needs the Java Vector API")
                .contains("--add-modules jdk.incubator.vector");
    }

    /** Runs in the child JVM, which has no {@code --add-modules jdk.incubator.vector}. */
    public static final class WithoutVectorModule {
        public static void main(String[] args) {
            try {
                JlamaBackend.builder().modelDir(Path.of("no-model-needed")).build();
                System.out.println("built without the Vector API");
            } catch (GuardBackendException e) {
                System.out.println(e);
            }
        }
    }
}
