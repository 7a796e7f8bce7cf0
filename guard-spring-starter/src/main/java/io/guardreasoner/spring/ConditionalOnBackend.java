package io.guardreasoner.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Matches when the properties name this backend anywhere it can serve: {@code guardreasoner.backend} (or that is
 * unset, for the backends that may be picked by default; llama.cpp never is), {@code guardreasoner.fallback}, or one rail's own
 * {@code guardreasoner.input.backend} / {@code guardreasoner.output.backend}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(ConditionalOnBackend.OnBackendCondition.class)
@interface ConditionalOnBackend {

    /** The backend's property value, e.g. {@code jlama}. */
    GuardReasonerProperties.BackendType value();

    /** The properties that may name a backend. */
    List<String> NAMING_PROPERTIES = List.of("backend", "fallback", "input.backend", "output.backend");

    final class OnBackendCondition extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnBackend.class.getName());
            GuardReasonerProperties.BackendType type = (GuardReasonerProperties.BackendType) attributes.get("value");
            Environment env = context.getEnvironment();
            String backend = env.getProperty(GuardReasonerProperties.PREFIX + ".backend");
            if ((backend == null || backend.isBlank())
                    && GuardReasonerBackendAutoConfiguration.DEFAULTS.contains(type)) {
                return ConditionOutcome.match("guardreasoner.backend is unset; " + type.label() + " may serve by default");
            }
            for (String property : NAMING_PROPERTIES) {
                String value = env.getProperty(GuardReasonerProperties.PREFIX + "." + property);
                if (value != null && value.strip().replace('_', '-').equalsIgnoreCase(type.label())) {
                    return ConditionOutcome.match("guardreasoner." + property + "=" + type.label());
                }
            }
            return ConditionOutcome.noMatch("no guardreasoner property names " + type.label().toLowerCase(Locale.ROOT));
        }
    }
}
