package io.guardreasoner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guardreasoner.core.LabelConfidence;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Verdict;

import java.util.Optional;

/** The JSON shapes the CLI writes: lower-case labels or null, fields in a fixed order. */
final class VerdictJson {

    static final ObjectMapper JSON = new ObjectMapper();

    private VerdictJson() {
    }

    /** {@code {"request","completion","response","complete"}} for a verdict, or all null and false without one. */
    static ObjectNode labels(Optional<Verdict> verdict) {
        ObjectNode node = JSON.createObjectNode();
        node.put("request", verdict.flatMap(Verdict::request).map(Harm::label).orElse(null));
        node.put("completion", verdict.flatMap(Verdict::completion).map(Compliance::label).orElse(null));
        node.put("response", verdict.flatMap(Verdict::response).map(Harm::label).orElse(null));
        node.put("complete", verdict.map(Verdict::complete).orElse(false));
        return node;
    }

    /**
     * {@code {"request","completion","response"}}: for each task, the probability the model gave the label it wrote,
     * at that label's token; null where the label is missing or the backend reported no token probabilities.
     */
    static ObjectNode confidence(Optional<Verdict> verdict) {
        ObjectNode node = JSON.createObjectNode();
        node.put("request", probability(verdict.flatMap(v -> v.confidence().request())));
        node.put("completion", probability(verdict.flatMap(v -> v.confidence().completion())));
        node.put("response", probability(verdict.flatMap(v -> v.confidence().response())));
        return node;
    }

    private static Double probability(Optional<LabelConfidence> confidence) {
        return confidence.map(LabelConfidence::probability).orElse(null);
    }

    /** The model's reasoning as one text, task by task; null when there is none. */
    static String reasoning(Verdict verdict) {
        Verdict.Reasoning r = verdict.reasoning();
        StringBuilder text = new StringBuilder();
        append(text, "# Task 1", r.request());
        append(text, "# Task 2", r.completion());
        append(text, "# Task 3", r.response());
        return text.isEmpty() ? null : text.toString();
    }

    private static void append(StringBuilder text, String header, String body) {
        if (body.isEmpty()) return;
        if (!text.isEmpty()) text.append("\n\n");
        text.append(header).append("\n\n").append(body);
    }
}
