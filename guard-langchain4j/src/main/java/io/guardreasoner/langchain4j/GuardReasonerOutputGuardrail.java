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
import io.guardreasoner.core.GuardPolicy;
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
 * {@code @OutputGuardrails}, uses {@link GuardReasoner#defaultGuard()}, looked up at each check. The guard's own policy
 * decides unless the guardrail was given one.
 */
public class GuardReasonerOutputGuardrail implements OutputGuardrail {

    private final Supplier<Guard> guard;
    private final GuardPolicy policy;
    private final VetoMode vetoMode;

    /** Uses {@link GuardReasoner#defaultGuard()} and reports vetoes as {@link VetoMode#FAILURE}. */
    public GuardReasonerOutputGuardrail() {
        this.guard = GuardReasoner::defaultGuard;
        this.policy = null;
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
        this.policy = null;
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    /**
     * Uses this guard, deciding with {@code policy} instead of the guard's own (e.g. a more lenient policy for one AI
     * service, or {@link GuardPolicy#observeOnly} to watch it before it acts), and reports vetoes as {@code vetoMode}
     * says.
     */
    public GuardReasonerOutputGuardrail(Guard guard, GuardPolicy policy, VetoMode vetoMode) {
        Objects.requireNonNull(guard, "guard");
        this.guard = () -> guard;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.vetoMode = Objects.requireNonNull(vetoMode, "vetoMode");
    }

    /** For subclasses that pick their guard or mode another way, e.g. from a DI container. */
    protected GuardReasonerOutputGuardrail(Supplier<Guard> guard, VetoMode vetoMode) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.policy = null;
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
        return judge(userText, answer, fromMemory.isEmpty(), params);
    }

    /** Judges an answer to a user message; {@code selfContainedReprompt} repeats the request in a reprompt. */
    OutputGuardrailResult judge(String userText, AiMessage answer, boolean selfContainedReprompt) {
        return judge(userText, answer, selfContainedReprompt, null);
    }

    private OutputGuardrailResult judge(String userText, AiMessage answer, boolean selfContainedReprompt,
                                        GuardrailRequestParams params) {
        String answerText = answer.text() == null ? "" : answer.text();
        Guard g = guard.get();
        Assessment assessment = g.assess(Exchange.of(userText, answerText), Rail.OUTPUT, policyFor(g, params));
        return switch (assessment.effectiveDecision()) {
            case Decision.Allow allow -> success();
            case Decision.Rewrite rewrite -> successWith(rewrite.text());
            case Decision.Block block -> {
                String message = Texts.vetoMessage(assessment);
                yield vetoModeFor(params) == VetoMode.FATAL ? fatal(message) : failure(message);
            }
            case Decision.Reprompt reprompt -> reprompt(
                    "GuardReasoner asked for a new answer: " + reprompt.guidance() + Texts.labels(assessment, ""),
                    selfContainedReprompt ? repromptWithRequest(reprompt.guidance(), userText) : reprompt.guidance());
        };
    }

    /**
     * The policy for one check: the one this guardrail was given, else the guard's own. Subclasses may choose by the
     * call, e.g. by the AI service that asks ({@code params.invocationContext().interfaceName()}); {@code params} is
     * null when the guardrail was called without LangChain4j's request parameters.
     */
    protected GuardPolicy policyFor(Guard guard, GuardrailRequestParams params) {
        return policy != null ? policy : guard.policy();
    }

    /** How one check reports a veto: {@link #vetoMode()} unless a subclass chooses by the call, as for the policy. */
    protected VetoMode vetoModeFor(GuardrailRequestParams params) {
        return vetoMode;
    }

    static String repromptWithRequest(String guidance, String userText) {
        return guidance + "\n\nThe request was:\n" + userText;
    }

    /** How this guardrail reports vetoes. */
    public VetoMode vetoMode() {
        return vetoMode;
    }
}
