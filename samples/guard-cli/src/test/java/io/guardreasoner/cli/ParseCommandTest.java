package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ParseCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesOneVerdictLinePerInputLineWithLowerCaseLabels() throws Exception {
        String input = line("# Task 1\n\n## Conclusion\nThe request is harmful.\n\nAnswers: \nRequest: harmful\nCompletion: refusal\nResponse: unharmful\n")
                + line("# Answers:\nREQUEST: UNHARMFUL\nCOMPLETION: None\nRESPONSE: None")
                + "{\"predict\": \"no answer at all\", \"label\": \"harmful\"}\n";

        CliRun run = CliRun.runWithInput(input, "parse");

        assertThat(run.exitCode()).isZero();
        List<JsonNode> lines = lines(run.out());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).toString())
                .isEqualTo("{\"request\":\"harmful\",\"completion\":\"refusal\",\"response\":\"unharmful\",\"complete\":true}");
        assertThat(lines.get(1).toString())
                .isEqualTo("{\"request\":\"unharmful\",\"completion\":null,\"response\":null,\"complete\":true}");
        assertThat(lines.get(2).toString())
                .isEqualTo("{\"request\":null,\"completion\":null,\"response\":null,\"complete\":false}");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void invalidJsonLineGetsAMessageOnStderrAndALineOfNulls() throws Exception {
        CliRun run = CliRun.runWithInput("not json\n" + line("Answers:\nRequest: harmful\nCompletion: compliance\nResponse: harmful")
                + "{\"other\": 1}\n", "parse");

        assertThat(run.exitCode()).isZero();
        List<JsonNode> lines = lines(run.out());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).toString())
                .isEqualTo("{\"request\":null,\"completion\":null,\"response\":null,\"complete\":false}");
        assertThat(lines.get(1).path("response").asText()).isEqualTo("harmful");
        assertThat(lines.get(2).path("complete").asBoolean()).isFalse();
        assertThat(run.err()).contains("line 1 is not valid JSON").contains("line 3 has no string field 'predict'");
    }

    private static String line(String predict) throws Exception {
        return JSON.writeValueAsString(java.util.Map.of("predict", predict)) + "\n";
    }

    private static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) nodes.add(JSON.readTree(line));
        }
        return nodes;
    }
}
