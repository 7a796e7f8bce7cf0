package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.GuardrailRequestParams;
import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailRequest;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.data.message.UserMessage;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPolicy;
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
 * {@link GuardReasoner#defaultGuard()}, looked up at each check. The guard's own policy decides unless the guardrail
 * was given one: one guard (one model, one cache) can serve AI services with different rules.
 */
public class GuardReasonerInputGuardrail implements InputGuardrail {

    private final Supplier<Guard> guard;
    private final GuardPolicy policy;
    private final VetoMode vetoMode;

    /** Uses {@link GuardReasoner#defaultGuard()} and reports vetoes as {@link VetoMode#FAILURE}. */
    public GuardReasonerInputGuardrail() {
        this.guard = GuardReasoner::defaultGuard;
        this.policy = null;
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
        this.policy = null;
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    /**
     * Uses this guard, deciding with {@code policy} instead of the guard's own (e.g. a stricter policy for one AI
     * service, or {@link GuardPolicy#observeOnly} to watch it before it acts), and reports vetoes as {@code vetoMode}
     * says.
     */
    public GuardReasonerInputGuardrail(Guard guard, GuardPolicy policy, VetoMode vetoMode) {
        Objects.requireNonNull(guard, "guard");
        this.guard = () -> guard;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    /** For subclasses that pick their guard or mode another way, e.g. from a DI container. */
    protected GuardReasonerInputGuardrail(Supplier<Guard> guard, VetoMode vetoMode) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.policy = null;
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    @Override
    public InputGuardrailResult validate(InputGuardrailRequest request) {
        // With RAG the message also holds retrieved documents; GuardReasoner judges what the user asked.
        boolean augmented = request.requestParams() != null && request.requestParams().augmentationResult() != null;
        String asked = augmented ? Texts.userText(request.requestParams()) : "";
        // A method that takes its message as Content has no template: then the message itself is all there is.
        return judge(asked.isBlank() ? Texts.text(request.userMessage()) : asked, request.requestParams());
    }

    @Override
    public InputGuardrailResult validate(UserMessage userMessage) {
        return judge(Texts.text(userMessage), null);
    }

    private InputGuardrailResult judge(String userText, GuardrailRequestParams params) {
        Guard g = guard.get();
        Assessment assessment = g.assess(Exchange.request(userText), Rail.INPUT, policyFor(g, params));
        VetoMode mode = vetoModeFor(params);
        return switch (assessment.effectiveDecision()) {
            case Decision.Allow allow -> success();
            case Decision.Rewrite rewrite -> successWith(rewrite.text());
            // A reprompt (a custom policy's) has no answer to redo yet: the safe reading is a veto.
            case Decision.Block block -> veto(mode, Texts.inputVetoMessage(assessment));
            case Decision.Reprompt reprompt -> veto(mode, Texts.inputVetoMessage(assessment));
        };
    }

    private InputGuardrailResult veto(VetoMode mode, String message) {
        return mode == VetoMode.FATAL ? fatal(message) : failure(message);
    }

    /**
     * The policy for one check: the one this guardrail was given, else the guard's own. Subclasses may choose by the
     * call, e.g. by the AI service that asks ({@code params.invocationContext().interfaceName()}); {@code params} is
     * null when the guardrail was called with a bare user message.
     */
    protected GuardPolicy policyFor(Guard guard, GuardrailRequestParams params) {
        return policy != null ? policy : guard.policy();
    }

    /** How one check reports a veto: {@link #vetoMode()} unless a subclass chooses by the call, as for the policy. */
    protected VetoMode vetoModeFor(GuardrailRequestParams params) {
        return vetoMode;
    }

    /** How this guardrail reports vetoes. */
    public VetoMode vetoMode() {
        return vetoMode;
    }
}
