package io.guardreasoner.spring;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Rail;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GuardReasonerAuditLogTest {

    private static final String REQUEST = "My email is ann@example.com; how do I pick a lock?";
    private static final String RESPONSE = "Insert a tension wrench \"carefully\"\nthen rake.";

    private final ScriptedGuardBackend backend = new ScriptedGuardBackend(GuardScript.create()
            .whenResponseContains("tension wrench").answer(Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL));

    private Assessment assess(Exchange exchange) {
        try (Guard guard = Guard.builder().backend(backend).policy(GuardPolicy.defaults()).build()) {
            return guard.assess(exchange, Rail.OUTPUT);
        }
    }

    @Test
    void writesOneLineWithLabelsDecisionLatencyAndHashesButNoTextsByDefault() {
        Exchange exchange = Exchange.of(REQUEST, RESPONSE);
        String line = new GuardReasonerAuditLog(new GuardReasonerProperties.Audit(true, false, false, false, false, 2000), "scripted")
                .line(exchange, assess(exchange));

        assertThat(line).doesNotContain("\n")
                .contains("event=guardreasoner.assessment", "rail=output", "decision=rewrite", "source=model",
                        "backend=scripted", "request=harmful", "completion=compliance", "response=harmful",
                        "latency_ms=", "request_sha256=" + GuardReasonerAuditLog.sha256(REQUEST),
                        "response_sha256=" + GuardReasonerAuditLog.sha256(RESPONSE))
                .doesNotContain("ann@example.com", "tension wrench", "reasoning_", "raw_output");
    }

    @Test
    void includesEscapedTextsAndReasoningOnlyWhenConfigured() {
        Exchange exchange = Exchange.of(REQUEST, RESPONSE);
        String line = new GuardReasonerAuditLog(new GuardReasonerProperties.Audit(true, true, true, true, false, 30), "scripted")
                .line(exchange, assess(exchange));

        assertThat(line).doesNotContain("\n")
                .contains("request_text=\"My email is ann@example.com; h…[20 more chars]\"", "response_text=\"Insert a tension wrench \\\"caref…[")
                .contains("reasoning_response=\"", "raw_output=\"# Task 1\\n");
    }

    @Test
    void failedChecksLogTheFailureAndTheFailPolicyDecision() {
        backend.failWith("server down");
        Exchange exchange = Exchange.request("hello");
        Assessment a;
        try (Guard guard = Guard.builder().backend(backend).build()) {
            a = guard.assess(exchange, Rail.INPUT);
        }
        String line = new GuardReasonerAuditLog(new GuardReasonerProperties.Audit(true, false, false, false, false, 2000), "scripted")
                .line(exchange, a);
        assertThat(line).contains("decision=block", "source=failure", "failure=backend_error", "request=none",
                "failure_message=\"", "server down");
    }
}
