package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailRequest;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.data.message.UserMessage;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Rail;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A LangChain4j input guardrail that judges the user message with GuardReasoner before the model sees it.
 *
 * <p>The user's text is judged alone (response {@code None}; with retrieval augmentation, the text the user wrote,
 * without the retrieved documents) on the {@link Rail#INPUT input rail}, and the guard's
 * decision becomes the result: block → {@code failure} or {@code fatal} (see {@link VetoMode}); rewrite →
 * {@code successWith} the policy's replacement message; allow → {@code success}. Backend trouble never escapes as
 * an exception: it becomes the policy's failure decision like any other.
 *
 * <p>The no-arg constructor, used when the class is named in {@code @InputGuardrails}, uses
 * {@link GuardReasoner#defaultGuard()}, looked up at each check.
 */
public class GuardReasonerInputGuardrail implements InputGuardrail {

    private final Supplier<Guard> guard;
    private final VetoMode vetoMode;

    /** Uses {@link GuardReasoner#defaultGuard()} and reports vetoes as {@link VetoMode#FAILURE}. */
    public GuardReasonerInputGuardrail() {
        this.guard = GuardReasoner::defaultGuard;
        this.vetoMode = VetoMode.FAILURE;
    }

    /** Uses this guard and reports vetoes as {@link VetoMode#FAILURE}. */
    public GuardReasonerInputGuardrail(Guard guard) {
        this(guard, VetoMode.FAILURE);
    }

    /** Uses this guard and reports vetoes as {@code vetoMode} says. */
    public GuardReasonerInputGuardrail(Guard guard, VetoMode vetoMode) {
        Objects.requireNonNull(guard, "guard");
        this.guard = () -> guard;
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    /** For subclasses that pick their guard or mode another way, e.g. from a DI container. */
    protected GuardReasonerInputGuardrail(Supplier<Guard> guard, VetoMode vetoMode) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    @Override
    public InputGuardrailResult validate(InputGuardrailRequest request) {
        // With RAG the message also holds retrieved documents; GuardReasoner judges what the user asked.
        boolean augmented = request.requestParams() != null && request.requestParams().augmentationResult() != null;
        String asked = augmented ? Texts.userText(request.requestParams()) : "";
        // A method that takes its message as Content has no template: then the message itself is all there is.
        return judge(asked.isBlank() ? Texts.text(request.userMessage()) : asked);
    }

    @Override
    public InputGuardrailResult validate(UserMessage userMessage) {
        return judge(Texts.text(userMessage));
    }

    private InputGuardrailResult judge(String userText) {
        Assessment assessment = guard.get().assess(Exchange.request(userText), Rail.INPUT);
        return switch (assessment.effectiveDecision()) {
            case Decision.Allow allow -> success();
            case Decision.Rewrite rewrite -> successWith(rewrite.text());
            // A reprompt (a custom policy's) has no answer to redo yet: the safe reading is a veto.
            case Decision.Block block -> veto(Texts.inputVetoMessage(assessment));
            case Decision.Reprompt reprompt -> veto(Texts.inputVetoMessage(assessment));
        };
    }

    private InputGuardrailResult veto(String message) {
        return vetoMode == VetoMode.FATAL ? fatal(message) : failure(message);
    }

    /** How this guardrail reports vetoes. */
    public VetoMode vetoMode() {
        return vetoMode;
    }
}
