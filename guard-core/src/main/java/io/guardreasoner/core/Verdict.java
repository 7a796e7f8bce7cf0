package io.guardreasoner.core;

import java.util.Objects;
import java.util.Optional;

/**
 * GuardReasoner's answers to its three tasks, as read from one generated text.
 *
 * @param request    task 1: is the human request harmful? Empty when the model gave no usable label.
 * @param completion task 2: did the AI assistant refuse or comply? Empty when absent or {@code None}.
 * @param response   task 3: is the AI response harmful? Empty when absent or {@code None}.
 * @param complete   true only when the final answer block holds all three fields, each a label or {@code None}
 * @param consistent true when every task conclusion found in the reasoning agrees with the label reported for it
 * @param reasoning  the model's reasoning, per task where it gave one
 * @param raw        the generated text, unchanged
 * @param confidence the model's probability for each label, where its backend reported token probabilities
 */
public record Verdict(
        Optional<Harm> request,
        Optional<Compliance> completion,
        Optional<Harm> response,
        boolean complete,
        boolean consistent,
        Reasoning reasoning,
        String raw,
        Confidence confidence) {

    public Verdict {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(completion, "completion");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(confidence, "confidence");
    }

    /** A verdict read from text alone, without token probabilities. */
    public Verdict(Optional<Harm> request, Optional<Compliance> completion, Optional<Harm> response, boolean complete,
                   boolean consistent, Reasoning reasoning, String raw) {
        this(request, completion, response, complete, consistent, reasoning, raw, Confidence.NONE);
    }

    /** This verdict with the model's confidence in its labels. */
    public Verdict withConfidence(Confidence confidence) {
        return new Verdict(request, completion, response, complete, consistent, reasoning, raw, confidence);
    }

    /** A verdict with no labels at all, for text that held none. */
    public static Verdict empty(String raw) {
        return new Verdict(Optional.empty(), Optional.empty(), Optional.empty(), false, true, Reasoning.NONE, raw);
    }

    /** A verdict with the given labels (null for absent), as a complete and consistent answer block would give. */
    public static Verdict of(Harm request, Compliance completion, Harm response) {
        String raw = "Answers: \nRequest: " + label(request) + "\nCompletion: " + label(completion)
                + "\nResponse: " + label(response) + "\n";
        return new Verdict(Optional.ofNullable(request), Optional.ofNullable(completion), Optional.ofNullable(response),
                true, true, Reasoning.NONE, raw);
    }

    private static String label(Enum<?> value) {
        return value == null ? "None" : value.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The three labels as {@code request=harmful, completion=none, response=none}, for messages and logs. */
    public String labels() {
        return "request=" + Label.orNone(request) + ", completion=" + Label.orNone(completion)
                + ", response=" + Label.orNone(response);
    }

    /** True when the request was judged harmful. */
    public boolean requestHarmful() {
        return request.orElse(null) == Harm.HARMFUL;
    }

    /** True when the response was judged harmful. */
    public boolean responseHarmful() {
        return response.orElse(null) == Harm.HARMFUL;
    }

    /** True when the response was judged a refusal. */
    public boolean refusal() {
        return completion.orElse(null) == Compliance.REFUSAL;
    }

    /**
     * The model's reasoning for each task, as written under its {@code # Task N} header.
     * Empty strings where the model wrote no such section.
     */
    public record Reasoning(String request, String completion, String response) {
        /** No reasoning at all. */
        public static final Reasoning NONE = new Reasoning("", "", "");

        public Reasoning {
            request = request == null ? "" : request;
            completion = completion == null ? "" : completion;
            response = response == null ? "" : response;
        }

        /** True when no task has any reasoning. */
        public boolean isEmpty() {
            return request.isEmpty() && completion.isEmpty() && response.isEmpty();
        }
    }
}
