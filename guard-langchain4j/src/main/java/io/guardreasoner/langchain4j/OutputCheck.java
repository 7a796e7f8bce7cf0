package io.guardreasoner.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The output rail of the guarded chat models: what it judges of an answer (the text, and with the tool rail on the
 * tool calls too) and what its decisions do to the answer.
 */
final class OutputCheck {

    /** Line breaks with the blanks around them: JSON has none inside its strings, so a call fits on one line. */
    private static final Pattern LINE_BREAKS = Pattern.compile("\\s*\\R\\s*");

    private final boolean toolCalls;

    OutputCheck(boolean toolCalls) {
        this.toolCalls = toolCalls;
    }

    /**
     * The response text the output rail judges, or empty when the answer passes unjudged: tool calls with no text
     * while the tool rail is off (the AI service runs them and asks the model again, whose answer is judged).
     * With the tool rail on, the calls are judged as the answer's last lines (see {@link #render(List)}).
     */
    Optional<String> judgedText(AiMessage answer) {
        String text = answer == null || answer.text() == null ? "" : answer.text();
        if (answer == null || !answer.hasToolExecutionRequests()) return Optional.of(text);
        if (!toolCalls) return text.isBlank() ? Optional.empty() : Optional.of(text);
        String calls = render(answer.toolExecutionRequests());
        return Optional.of(text.isBlank() ? calls : text + "\n\n" + calls);
    }

    /** True when tool calls are judged before they are handed on. */
    boolean judgesToolCalls() {
        return toolCalls;
    }

    /**
     * Tool calls as the guard reads them, one line per call in the model's order:
     * {@code Tool call: send_email({"to": "bob@example.com", "body": "Hi"})}. The arguments are the model's own JSON,
     * on one line; a call without arguments reads {@code Tool call: current_time()}.
     */
    static String render(List<ToolExecutionRequest> calls) {
        return calls.stream().map(OutputCheck::render).collect(Collectors.joining("\n"));
    }

    static String render(ToolExecutionRequest call) {
        String arguments = call.arguments() == null ? "" : LINE_BREAKS.matcher(call.arguments().strip()).replaceAll(" ");
        return "Tool call: " + call.name() + "(" + arguments + ")";
    }

    /** The answer without its thinking text, which no guard has read. */
    static ChatResponse withoutThinking(ChatResponse response) {
        AiMessage answer = response == null ? null : response.aiMessage();
        if (answer == null || answer.thinking() == null) return response;
        AiMessage.Builder kept = AiMessage.builder().text(answer.text()).attributes(answer.attributes());
        if (answer.hasToolExecutionRequests()) kept.toolExecutionRequests(answer.toolExecutionRequests());
        return response.toBuilder().aiMessage(kept.build()).build();
    }

    /** The policy's safe message in place of the answer; its tool calls are dropped with it. */
    static ChatResponse rewritten(ChatResponse response, String text) {
        ChatResponse.Builder builder = response.toBuilder().aiMessage(AiMessage.from(text));
        if (response.metadata() != null && response.aiMessage() != null && response.aiMessage().hasToolExecutionRequests()) {
            builder.metadata(response.metadata().toBuilder().finishReason(FinishReason.STOP).build());
        }
        return builder.build();
    }

    /** The request again, with the guard's guidance as one more user message. */
    static ChatRequest reprompt(ChatRequest request, String guidance) {
        List<ChatMessage> messages = new ArrayList<>(request.messages());
        messages.add(UserMessage.from(guidance));
        return request.toBuilder().messages(messages).build();
    }

    /** The veto of a blocked answer. */
    static OutputGuardrailException blocked(Assessment assessment) {
        return new OutputGuardrailException(Texts.vetoMessage(assessment));
    }

    /** The veto when the model's answers kept asking for reprompts. */
    static OutputGuardrailException repromptsExhausted(int reprompts, int maxReprompts, Decision.Reprompt reprompt,
                                                       Assessment assessment) {
        return new OutputGuardrailException("GuardReasoner asked for a new answer " + (reprompts + 1)
                + " times, more than the " + maxReprompts + " reprompts allowed: " + reprompt.guidance()
                + Texts.labels(assessment, ""));
    }
}
