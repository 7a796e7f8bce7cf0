package io.guardreasoner.spring;

import dev.langchain4j.guardrail.GuardrailRequestParams;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.Rail;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.VetoMode;

/** The input guardrail bean: the guard's rules, or those of the AI service that asks when it has its own. */
final class ServiceInputGuardrail extends GuardReasonerInputGuardrail {

    private final ServicePolicies services;

    ServiceInputGuardrail(Guard guard, VetoMode vetoMode, ServicePolicies services) {
        super(() -> guard, vetoMode);
        this.services = services;
    }

    @Override
    protected GuardPolicy policyFor(Guard guard, GuardrailRequestParams params) {
        return services.forCall(params).map(ServicePolicies.Rules::policy).orElseGet(() -> super.policyFor(guard, params));
    }

    @Override
    protected VetoMode vetoModeFor(GuardrailRequestParams params) {
        return services.forCall(params).map(r -> r.vetoMode(Rail.INPUT)).orElseGet(() -> super.vetoModeFor(params));
    }
}
