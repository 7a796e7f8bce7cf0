package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/** The {@code guardReasoner} Actuator health contributor, when Actuator is on the class path. */
@AutoConfiguration(after = GuardReasonerBackendAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(GuardBackend.class)
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = "enabled", matchIfMissing = true)
@ConditionalOnEnabledHealthIndicator("guardreasoner")
public class GuardReasonerHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "guardReasonerHealthIndicator")
    GuardReasonerHealthIndicator guardReasonerHealthIndicator(GuardBackend backend,
                                                              ObjectProvider<RailBackends> railBackends) {
        RailBackends rails = RailBackends.of(railBackends, backend);
        return new GuardReasonerHealthIndicator(rails.input(), rails.output());
    }
}
