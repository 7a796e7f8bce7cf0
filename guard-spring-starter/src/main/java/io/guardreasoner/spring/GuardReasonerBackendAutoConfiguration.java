package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** The {@link GuardBackend} that {@code guardreasoner.backend} names: Jlama in-process or a LocalAI server. */
@AutoConfiguration
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(GuardReasonerProperties.class)
public class GuardReasonerBackendAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    GuardBackend guardReasonerBackend(GuardReasonerProperties properties) {
        return GuardBackends.create(properties);
    }
}
