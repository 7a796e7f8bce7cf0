package io.guardreasoner.langchain4j;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps guard-test/README.md's complete example identical to a test class that compiles and passes. */
class ReadmeExampleTest {

    private static final String MARKER = "<!-- example: GuardedChatbotExampleTest -->\n```java\n";

    @Test
    void readmeExampleIsTheCompiledExampleTest() throws Exception {
        Path module = Path.of("").toAbsolutePath();
        Path readme = module.getParent().resolve("guard-test").resolve("README.md");
        String source = Files.readString(module.resolve(
                "src/test/java/io/guardreasoner/langchain4j/GuardedChatbotExampleTest.java"));
        String text = Files.readString(readme);

        int start = text.indexOf(MARKER);
        assertThat(start).as("%s has the marker %s", readme, MARKER.strip()).isNotNegative();
        int from = start + MARKER.length();
        int end = text.indexOf("```", from);
        assertThat(text.substring(from, end))
                .as("the example in %s must equal GuardedChatbotExampleTest.java; copy the file into its block", readme)
                .isEqualTo(source);
    }
}
