package io.guardreasoner.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/** Turns a bad {@code guardreasoner.*} property into a start-up report that names it and says how to fix it. */
class InvalidGuardReasonerPropertyFailureAnalyzer
        extends AbstractFailureAnalyzer<InvalidGuardReasonerPropertyException> implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidGuardReasonerPropertyException cause) {
        return new FailureAnalysis(
                "Invalid GuardReasoner configuration:\n\n    Property: " + cause.property()
                        + "\n    Value: \"" + cause.value() + "\"\n    Reason: " + cause.reason(),
                "Fix " + cause.property() + " in your application's configuration.",
                cause);
    }

    /** Before Spring Boot's generic bind analyzer, which would name only the prefix. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
