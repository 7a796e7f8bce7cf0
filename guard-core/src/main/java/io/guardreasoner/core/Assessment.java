package io.guardreasoner.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The outcome of one guarded check: the verdict (when the model gave one), the decision, and how it was reached.
 *
 * @param rail            which rail asked
 * @param decision        what the policy decided; always present
 * @param verdict         the model's verdict; empty when the backend failed
 * @param source          where the verdict came from
 * @param failure         what went wrong, when {@code source} is {@link Source#FAILURE}
 * @param latency         wall time of the whole check
 * @param backendLatency  time spent in the backend (zero for cache hits)
 * @param promptTokens    prompt tokens, when the backend reported them
 * @param generatedTokens generated tokens, when the backend reported them
 * @param modelId         the model id of the backend that serves this rail
 * @param enforced        whether the decision is carried out; false in shadow mode ({@link GuardPolicy#observeOnly}),
 *                        where every turn passes and {@code decision} is what the policy would have done
 * @param neutralized     special-token strings the prompt neutralized in the texts (attempts to smuggle Llama-3
 *                        control tokens into the guard's input); see {@link Llama3SpecialTokens}
 */
public record Assessment(
        Rail rail,
        Decision decision,
        Optional<Verdict> verdict,
        Source source,
        Optional<GuardFailure> failure,
        Duration latency,
        Duration backendLatency,
        OptionalInt promptTokens,
        OptionalInt generatedTokens,
        String modelId,
        boolean enforced,
        int neutralized) {

    public Assessment {
        Objects.requireNonNull(rail, "rail");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(backendLatency, "backendLatency");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(generatedTokens, "generatedTokens");
        Objects.requireNonNull(modelId, "modelId");
        if (neutralized < 0) throw new IllegalArgumentException("neutralized must be 0 or more, was " + neutralized);
    }

    /** Where a verdict came from. */
    public enum Source {
        /** The backend generated it for this call. */
        MODEL,
        /** An earlier identical check. */
        CACHE,
        /** An identical check that was running at the same time; this one waited for it instead of asking again. */
        SHARED,
        /** There is no verdict: the backend failed, and the decision is the policy's failure decision. */
        FAILURE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What happens to the turn: the decision when it is enforced, otherwise (shadow mode) allow. */
    public Decision effectiveDecision() {
        return enforced ? decision : Decision.allow();
    }

    /** True when the text passes unchanged: the decision allows it, or it is not enforced. */
    public boolean allowed() {
        return effectiveDecision() instanceof Decision.Allow;
    }

    /** True when the turn is vetoed: an enforced block. */
    public boolean blocked() {
        return effectiveDecision() instanceof Decision.Block;
    }

    /** This assessment served to another caller: same verdict and decision, its own wall time, no backend time. */
    Assessment servedAgain(Source source, Duration latency) {
        return new Assessment(rail, decision, verdict, source, Optional.empty(), latency, Duration.ZERO,
                promptTokens, generatedTokens, modelId, enforced, neutralized);
    }

    /** This assessment with another caller's wall time, decided by another policy. */
    Assessment forCaller(Duration latency, Decision decision, boolean enforced) {
        return new Assessment(rail, decision, verdict, source, failure, latency, backendLatency, promptTokens,
                generatedTokens, modelId, enforced, neutralized);
    }
}
