package io.guardreasoner.spring;

import dev.langchain4j.guardrail.GuardrailRequestParams;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.Rail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import io.guardreasoner.langchain4j.VetoMode;

/** The output guardrail bean: the guard's rules, or those of the AI service that asks when it has its own. */
final class ServiceOutputGuardrail extends GuardReasonerOutputGuardrail {

    private final ServicePolicies services;

    ServiceOutputGuardrail(Guard guard, VetoMode vetoMode, ServicePolicies services) {
        super(() -> guard, vetoMode);
        this.services = services;
    }

    @Override
    protected GuardPolicy policyFor(Guard guard, GuardrailRequestParams params) {
        return services.forCall(params).map(ServicePolicies.Rules::policy).orElseGet(() -> super.policyFor(guard, params));
    }

    @Override
    protected VetoMode vetoModeFor(GuardrailRequestParams params) {
        return services.forCall(params).map(r -> r.vetoMode(Rail.OUTPUT)).orElseGet(() -> super.vetoModeFor(params));
    }
}
