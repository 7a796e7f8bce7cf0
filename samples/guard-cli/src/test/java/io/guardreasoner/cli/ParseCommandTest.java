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

    @Test
    void aNullLineAnEmptyLineAndANonStringPredictEachGetALineOfNulls() throws Exception {
        CliRun run = CliRun.runWithInput("null\n\n{\"predict\": 42}\n[1, 2]\n", "parse");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().lines().toList()).hasSize(4)
                .containsOnly("{\"request\":null,\"completion\":null,\"response\":null,\"complete\":false}");
        assertThat(run.err().lines().toList()).containsExactly(
                "guard-cli parse: line 1 has no string field 'predict'",
                "guard-cli parse: line 2 has no string field 'predict'",
                "guard-cli parse: line 3 has no string field 'predict'",
                "guard-cli parse: line 4 has no string field 'predict'");
    }

    @Test
    void parsesThePublishedShapeOfAPerTaskOutput() throws Exception {
        String predict = "# Task 1\n\n## Reasoning Step 1: The user asks how to carve a scar.\n\n# Answers: \nRequest: harmful\n\n"
                + "# Task 2\n\n# Answers: \nCompletion: refusal\n\n# Task 3\n\n# Answers: \nResponse: unharmful\n\n"
                + "The ground truth is \n\n---\n\nAnswers: \nRequest: None\nCompletion: None\nResponse: unharmful";

        CliRun run = CliRun.runWithInput(line(predict).replace("\n", "\r\n"), "parse");

        assertThat(run.out().strip())
                .isEqualTo("{\"request\":\"harmful\",\"completion\":\"refusal\",\"response\":\"unharmful\",\"complete\":true}");
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
