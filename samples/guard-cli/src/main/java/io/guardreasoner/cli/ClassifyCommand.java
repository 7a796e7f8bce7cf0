package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardFailure;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code classify}: one live check, printed as one JSON object. */
@Command(name = "classify", mixinStandardHelpOptions = true, description = {
        "Judges one request (input rail) or one request with its response (output rail) on the backend and prints",
        "{\"request\",\"completion\",\"response\",\"complete\",\"decision\",\"reasoning\",\"raw\",\"latencyMs\",\"error\",",
        "\"confidence\"}; confidence holds, per task, the probability of the label the model wrote (null when unknown).",
        "Exit 0 when a decision was made (a fail-policy one included: then 'error' says what failed); 2 for bad",
        "arguments or configuration."})
final class ClassifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions options;

    @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "The human user's request.")
    String prompt;

    @Option(names = "--response", paramLabel = "TEXT", description = "The AI assistant's response; omit to check the request alone.")
    String response;

    @Override
    public Integer call() throws Exception {
        Exchange exchange = response == null ? Exchange.request(prompt) : Exchange.of(prompt, response);
        Rail rail = response == null ? Rail.INPUT : Rail.OUTPUT;
        Assessment assessment;
        try (Guard guard = options.guard(options.backend(1), GuardPrompt.modelCard(), 1)) {
            assessment = guard.assess(exchange, rail);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(VerdictJson.JSON.writeValueAsString(json(assessment)));
        out.flush();
        return 0;
    }

    /** The contract's object for one assessment. */
    static ObjectNode json(Assessment assessment) {
        ObjectNode node = VerdictJson.labels(assessment.verdict());
        node.put("decision", assessment.decision().kind());
        node.put("reasoning", assessment.verdict().map(VerdictJson::reasoning).orElse(null));
        node.put("raw", assessment.verdict().map(Verdict::raw).orElse(null));
        node.put("latencyMs", assessment.latency().toMillis());
        node.put("error", assessment.failure().map(GuardFailure::message).orElse(null));
        node.set("confidence", VerdictJson.confidence(assessment.verdict()));
        return node;
    }
}
