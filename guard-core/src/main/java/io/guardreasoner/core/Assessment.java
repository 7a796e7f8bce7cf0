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
 * @param modelId         the backend's model id
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
        String modelId) {

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

    /** True when the decision lets the text pass unchanged. */
    public boolean allowed() {
        return decision instanceof Decision.Allow;
    }

    /** True when the decision vetoes the turn. */
    public boolean blocked() {
        return decision instanceof Decision.Block;
    }

    /** This assessment served to another caller: same verdict and decision, its own wall time, no backend time. */
    Assessment servedAgain(Source source, Duration latency) {
        return new Assessment(rail, decision, verdict, source, Optional.empty(), latency, Duration.ZERO,
                promptTokens, generatedTokens, modelId);
    }

    /** This assessment with another caller's wall time. */
    Assessment withLatency(Duration latency) {
        return new Assessment(rail, decision, verdict, source, failure, latency, backendLatency, promptTokens,
                generatedTokens, modelId);
    }
}
