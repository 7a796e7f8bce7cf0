package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.GuardrailRequestParams;
import dev.langchain4j.model.input.PromptTemplate;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Label;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Text helpers shared by the adapters: message text, and the words a veto is reported in. */
final class Texts {

    private Texts() {
    }

    /** The text parts of a user message, joined by newlines; empty when it has none. */
    static String text(UserMessage message) {
        if (message == null) return "";
        return message.contents().stream()
                .filter(TextContent.class::isInstance)
                .map(c -> ((TextContent) c).text())
                .collect(Collectors.joining("\n"));
    }

    /**
     * The user's own words in an AI service call: the method's user message template filled with the call's
     * arguments, as LangChain4j filled it (before retrieval augmentation and output-format instructions).
     */
    static String userText(GuardrailRequestParams params) {
        String template = params.userMessageTemplate();
        try {
            return PromptTemplate.from(template).apply(params.variables()).text();
        } catch (RuntimeException e) {
            // A template LangChain4j could not fill either (or an empty one): judge the raw text rather than nothing.
            return template;
        }
    }

    /** The text of the last user message in a conversation. */
    static Optional<String> lastUserText(List<ChatMessage> messages) {
        if (messages == null) return Optional.empty();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof UserMessage user) return Optional.of(text(user));
        }
        return Optional.empty();
    }

    /**
     * Why a turn was stopped, with the verdict's labels:
     * {@code GuardReasoner blocked the request: the request was judged harmful (request=harmful)}.
     */
    static String vetoMessage(Assessment assessment, String reason) {
        String side = assessment.rail() == Rail.INPUT ? "request" : "response";
        return "GuardReasoner blocked the " + side + ": " + reason + labels(assessment, reason);
    }

    /** The veto message for a block decision. */
    static String vetoMessage(Assessment assessment) {
        String reason = assessment.decision() instanceof Decision.Block block ? block.reason() : assessment.decision().kind();
        return vetoMessage(assessment, reason);
    }

    /**
     * Why the input rail vetoes a request: for a block, its reason; for a reprompt (which a custom policy may ask
     * for, though there is no answer to redo yet), that it cannot be done.
     */
    static String inputVetoMessage(Assessment assessment) {
        if (assessment.effectiveDecision() instanceof Decision.Reprompt reprompt) {
            return vetoMessage(assessment, "the policy asked for a reprompt, which the input rail cannot do ("
                    + reprompt.guidance() + ")");
        }
        return vetoMessage(assessment);
    }

    /** The verdict's labels in brackets, or why there is no verdict; nothing when the reason already lists them. */
    static String labels(Assessment assessment, String reason) {
        if (reason.contains("request=")) return "";
        Optional<Verdict> verdict = assessment.verdict();
        if (verdict.isEmpty()) {
            return assessment.failure().map(f -> " (no verdict: " + f.kind().label() + ")").orElse(" (no verdict)");
        }
        Verdict v = verdict.get();
        if (assessment.rail() == Rail.INPUT) return " (request=" + Label.orNone(v.request()) + ")";
        return " (" + v.labels() + ")";
    }
}
