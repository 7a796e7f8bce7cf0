package io.guardreasoner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.core.VerdictParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code parse}: GuardReasoner outputs in, one verdict line out per line in. */
@Command(name = "parse", mixinStandardHelpOptions = true, description = {
        "Reads JSON Lines on stdin, each an object with a string field 'predict' (a GuardReasoner output), and writes",
        "one line per input line: {\"request\",\"completion\",\"response\",\"complete\"}. A line that is not valid JSON",
        "gets a message on stderr and a line of nulls with complete false."})
final class ParseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        VerdictParser parser = VerdictParser.standard();
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            Optional<Verdict> verdict = Optional.empty();
            try {
                JsonNode node = VerdictJson.JSON.readTree(line);
                JsonNode predict = node == null ? null : node.get("predict");
                if (predict == null || !predict.isTextual()) {
                    err.println("guard-cli parse: line " + number + " has no string field 'predict'");
                } else {
                    verdict = Optional.of(parser.parse(predict.asText()));
                }
            } catch (JsonProcessingException e) {
                err.println("guard-cli parse: line " + number + " is not valid JSON: " + e.getOriginalMessage());
            }
            out.println(VerdictJson.JSON.writeValueAsString(VerdictJson.labels(verdict)));
            out.flush();
        }
        return 0;
    }
}
