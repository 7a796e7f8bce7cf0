package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.guardrail.GuardrailRequestParams;
import dev.langchain4j.guardrail.OutputGuardrail;
import dev.langchain4j.guardrail.OutputGuardrailRequest;
import dev.langchain4j.guardrail.OutputGuardrailResult;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Rail;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A LangChain4j output guardrail that judges the model's answer, together with the user message it answers,
 * with GuardReasoner.
 *
 * <p>The decision becomes the result: block → {@code failure} or {@code fatal} (see {@link VetoMode}); rewrite →
 * {@code successWith} the policy's safe message; reprompt (a harmful answer, or an over-refusal when the policy
 * asks for it) → {@code reprompt} with the policy's guidance, which LangChain4j retries up to its
 * {@code maxRetries} (default 2) before failing with an {@code OutputGuardrailException}; allow → {@code success}.
 *
 * <p>The user message is the last one in the chat memory, or, for a service without memory, the method's user
 * message template filled with its arguments. The no-arg constructor, used when the class is named in
 * {@code @OutputGuardrails}, uses {@link GuardReasoner#defaultGuard()}, looked up at each check.
 */
public class GuardReasonerOutputGuardrail implements OutputGuardrail {

    private final Supplier<Guard> guard;
    private final VetoMode vetoMode;

    /** Uses {@link GuardReasoner#defaultGuard()} and reports vetoes as {@link VetoMode#FAILURE}. */
    public GuardReasonerOutputGuardrail() {
        this.guard = GuardReasoner::defaultGuard;
        this.vetoMode = VetoMode.FAILURE;
    }

    /** Uses this guard and reports vetoes as {@link VetoMode#FAILURE}. */
    public GuardReasonerOutputGuardrail(Guard guard) {
        this(guard, VetoMode.FAILURE);
    }

    /** Uses this guard and reports vetoes as {@code vetoMode} says. */
    public GuardReasonerOutputGuardrail(Guard guard, VetoMode vetoMode) {
        Objects.requireNonNull(guard, "guard");
        this.guard = () -> guard;
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    /** For subclasses that pick their guard or mode another way, e.g. from a DI container. */
    protected GuardReasonerOutputGuardrail(Supplier<Guard> guard, VetoMode vetoMode) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    @Override
    public OutputGuardrailResult validate(OutputGuardrailRequest request) {
        GuardrailRequestParams params = request.requestParams();
        Optional<String> fromMemory = params.chatMemory() == null
                ? Optional.empty() : Texts.lastUserText(params.chatMemory().messages());
        String userText = fromMemory.orElseGet(() -> Texts.userText(params));
        AiMessage answer = request.responseFromLLM().aiMessage();
        // Without memory LangChain4j re-asks with the reprompt alone, so the reprompt must carry the request.
        return judge(userText, answer, fromMemory.isEmpty());
    }

    /** Judges an answer to a user message; {@code selfContainedReprompt} repeats the request in a reprompt. */
    OutputGuardrailResult judge(String userText, AiMessage answer, boolean selfContainedReprompt) {
        String answerText = answer.text() == null ? "" : answer.text();
        Assessment assessment = guard.get().assess(Exchange.of(userText, answerText), Rail.OUTPUT);
        return switch (assessment.effectiveDecision()) {
            case Decision.Allow allow -> success();
            case Decision.Rewrite rewrite -> successWith(rewrite.text());
            case Decision.Block block -> {
                String message = Texts.vetoMessage(assessment);
                yield vetoMode == VetoMode.FATAL ? fatal(message) : failure(message);
            }
            case Decision.Reprompt reprompt -> reprompt(
                    "GuardReasoner asked for a new answer: " + reprompt.guidance() + Texts.labels(assessment, ""),
                    selfContainedReprompt ? repromptWithRequest(reprompt.guidance(), userText) : reprompt.guidance());
        };
    }

    static String repromptWithRequest(String guidance, String userText) {
        return guidance + "\n\nThe request was:\n" + userText;
    }

    /** How this guardrail reports vetoes. */
    public VetoMode vetoMode() {
        return vetoMode;
    }
}
