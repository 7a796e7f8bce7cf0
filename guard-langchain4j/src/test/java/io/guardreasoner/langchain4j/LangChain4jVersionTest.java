package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.InputGuardrail;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The adapters' tests run on the LangChain4j version the build asked for (1.11.0, or 1.19.0 with -Plangchain4j-latest). */
class LangChain4jVersionTest {

    @Test
    void testsRunOnTheLangChain4jTheBuildNamed() throws Exception {
        String expected = System.getProperty("guardreasoner.langchain4j.version");
        assertThat(expected).as("the build passes guardreasoner.langchain4j.version").isNotBlank();
        Properties core = new Properties();
        try (InputStream in = InputGuardrail.class.getResourceAsStream(
                "/META-INF/maven/dev.langchain4j/langchain4j-core/pom.properties")) {
            assertThat(in).as("langchain4j-core's Maven metadata").isNotNull();
            core.load(in);
        }
        assertThat(core.getProperty("version")).isEqualTo(expected);
    }
}
