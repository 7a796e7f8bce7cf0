package io.guardreasoner.core;

/**
 * Gets every assessment the guard makes, for metrics and audit.
 *
 * <p>Called on the thread that asked for the assessment, after the decision is made. An exception thrown here
 * is logged and never changes the decision.
 */
@FunctionalInterface
public interface AssessmentListener {

    /** Called once per assessment, cache hits and failures included. */
    void onAssessment(Exchange exchange, Assessment assessment);
}
