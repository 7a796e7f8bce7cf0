package io.guardreasoner.spring;

import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardPolicy;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link Guard}: each rail's backend, the policy (in shadow mode when {@code guardreasoner.mode=shadow}), cache,
 * timeout and every {@link AssessmentListener} bean, from properties.
 */
@AutoConfiguration(after = GuardReasonerBackendAutoConfiguration.class)
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(GuardReasonerProperties.class)
public class GuardReasonerAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    GuardPolicy guardReasonerPolicy(GuardReasonerProperties properties) {
        return properties.toPolicy();
    }

    @Bean
    @ConditionalOnMissingBean
    Guard guardReasonerGuard(GuardBackend backend, ObjectProvider<RailBackends> railBackends, GuardPolicy policy,
                             GuardReasonerProperties properties, ObjectProvider<AssessmentListener> listeners) {
        RailBackends rails = RailBackends.of(railBackends, backend);
        Guard.Builder builder = Guard.builder()
                .inputBackend(rails.input())
                .outputBackend(rails.output())
                .policy(GuardReasonerProperties.inMode(properties.mode(), policy))
                .cacheSize(properties.cache().size())
                .timeout(properties.timeout())
                .maxTokens(properties.maxTokens())
                .earlyStop(properties.earlyStop())
                .labelProbe(properties.labelProbe())
                .topLogprobs(properties.topLogprobs())
                .maxConcurrent(properties.maxConcurrent())
                .maxQueued(properties.maxQueued());
        if (properties.outputEarlyStop() != null) builder.outputEarlyStop(properties.outputEarlyStop());
        listeners.orderedStream().forEach(builder::listener);
        return builder.build();
    }
}
