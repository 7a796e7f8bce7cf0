package io.guardreasoner.spring;

import dev.langchain4j.guardrail.GuardrailRequestParams;
import dev.langchain4j.invocation.InvocationContext;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.Rail;
import io.guardreasoner.langchain4j.VetoMode;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.util.ClassUtils;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rules of the AI services named under {@code guardreasoner.services.<bean name>}: each one's policy (its keys
 * over the global rails, in its mode) and veto modes. Every other AI service gets the guard's own rules.
 *
 * <p>LangChain4j creates a guardrail named in {@code @InputGuardrails} without saying for which AI service
 * ({@code ClassInstanceFactory.getInstanceOfClass} receives the guardrail class only, and is called lazily, at the
 * service's first call), but it names the service at every check: {@code GuardrailRequestParams.invocationContext()
 * .interfaceName()} is the AI service interface. So one guardrail bean serves every service, and this maps the
 * interface to the bean that implements it, once, when the application has started (or at the first check before).
 * A name that is no bean stops start-up: a typo must not leave a service on rules it was not meant to have.
 */
final class ServicePolicies implements SmartInitializingSingleton {

    /** One service's rules. */
    record Rules(String service, GuardPolicy policy, VetoMode inputVetoMode, VetoMode outputVetoMode) {
        VetoMode vetoMode(Rail rail) {
            return rail == Rail.INPUT ? inputVetoMode : outputVetoMode;
        }
    }

    private final GuardReasonerProperties properties;
    private final ListableBeanFactory beans;
    private volatile Map<String, Rules> byInterface;

    ServicePolicies(GuardReasonerProperties properties, ListableBeanFactory beans) {
        this.properties = properties;
        this.beans = beans;
    }

    /** The rules of the AI service that asks, when it has its own; empty: the guard's own rules apply. */
    Optional<Rules> forCall(GuardrailRequestParams params) {
        if (properties.services().isEmpty() || params == null) return Optional.empty();
        InvocationContext invocation = params.invocationContext();
        if (invocation == null || invocation.interfaceName() == null) return Optional.empty();
        return Optional.ofNullable(resolved().get(invocation.interfaceName()));
    }

    @Override
    public void afterSingletonsInstantiated() {
        resolved();
    }

    private Map<String, Rules> resolved() {
        Map<String, Rules> map = byInterface;
        if (map != null) return map;
        synchronized (this) {
            if (byInterface == null) byInterface = resolve();
            return byInterface;
        }
    }

    private Map<String, Rules> resolve() {
        Map<String, Rules> map = new HashMap<>();
        for (String service : properties.services().keySet()) {
            String bean = beanNamed(service);
            Class<?> type = beans.getType(bean);
            if (type == null) {
                throw invalid(service, "is a bean whose type cannot be known before it is used; name an @AiService");
            }
            Rules rules = new Rules(service, properties.toPolicy(service), properties.vetoMode(service, Rail.INPUT),
                    properties.vetoMode(service, Rail.OUTPUT));
            Set<Class<?>> interfaces = type.isInterface() ? Set.of(type) : ClassUtils.getAllInterfacesForClassAsSet(type);
            for (Class<?> iface : interfaces) {
                Rules other = map.putIfAbsent(iface.getName(), rules);
                if (other != null && !other.service().equals(service)) {
                    throw invalid(service, "implements " + iface.getName() + " as guardreasoner.services." + other.service()
                            + " does; LangChain4j names the AI service by its interface, so give each interface one entry");
                }
            }
        }
        return Map.copyOf(map);
    }

    /** The bean a service entry names: exactly, or the one bean whose name is the same but for case and dashes. */
    private String beanNamed(String service) {
        if (beans.containsBean(service)) return service;
        List<String> loose = new ArrayList<>();
        for (String name : beans.getBeanDefinitionNames()) {
            if (loose(name).equals(loose(service))) loose.add(name);
        }
        if (loose.size() == 1) return loose.get(0);
        throw invalid(service, loose.isEmpty()
                ? "names no bean in this application; use the bean name of an @AiService (its interface's simple name "
                        + "with a lower-case first letter, e.g. customerAssistant)"
                : "matches several beans " + loose + "; use the exact bean name");
    }

    private static String loose(String name) {
        return name.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static InvalidGuardReasonerPropertyException invalid(String service, String reason) {
        return new InvalidGuardReasonerPropertyException(GuardReasonerProperties.PREFIX + ".services." + service,
                service, reason);
    }
}
