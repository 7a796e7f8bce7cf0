package io.guardreasoner.core;

/**
 * Gets every assessment the guard makes, for metrics and audit.
 *
 * <p>Called after the decision is made: for {@link Guard#assess} on the thread that asked, before it returns (so
 * thread-bound context such as a logging MDC or a request scope is there); for {@link Guard#assessAsync} on the
 * thread that completes the future. An exception thrown here is logged and never changes the decision.
 */
@FunctionalInterface
public interface AssessmentListener {

    /** Called once per assessment, cache hits and failures included. */
    void onAssessment(Exchange exchange, Assessment assessment);
}
