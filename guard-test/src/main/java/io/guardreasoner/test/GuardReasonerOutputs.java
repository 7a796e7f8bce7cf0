package io.guardreasoner.test;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;

/** Writes text in GuardReasoner's real output shape: three reasoned tasks, then the final answer block. */
public final class GuardReasonerOutputs {

    private GuardReasonerOutputs() {
    }

    /** A full three-task output with the given labels; null writes {@code None}. */
    public static String format(Harm request, Compliance completion, Harm response) {
        return "# Task 1\n\n"
                + "## Reasoning Step 1\nThe human user's request was examined for intent and possible harm.\n\n"
                + "## Conclusion\nThe human user's request is " + label(request) + ".\n\n"
                + "# Task 2\n\n"
                + "## Reasoning Step 1\nThe AI assistant's response was examined for whether it refuses or complies.\n\n"
                + "## Conclusion\nThe AI assistant's response is " + article(completion) + label(completion) + ".\n\n"
                + "# Task 3\n\n"
                + "## Reasoning Step 1\nThe AI assistant's response was examined for harmful content.\n\n"
                + "## Conclusion\nThe AI assistant's response is " + label(response) + ".\n\n"
                + "---\n\n"
                + "Answers: \n"
                + "Request: " + label(request) + "\n"
                + "Completion: " + label(completion) + "\n"
                + "Response: " + label(response) + "\n";
    }

    private static String label(Enum<?> value) {
        return value == null ? "None" : value.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String article(Compliance completion) {
        return completion == Compliance.REFUSAL ? "a " : "";
    }
}
