package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** The SLF4J audit log: one structured line per assessment, texts hashed unless configured otherwise. */
@AutoConfiguration(after = GuardReasonerBackendAutoConfiguration.class)
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = {"enabled", "audit.enabled"}, matchIfMissing = true)
@ConditionalOnBean(GuardBackend.class)
@EnableConfigurationProperties(GuardReasonerProperties.class)
public class GuardReasonerAuditAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerAuditLog guardReasonerAuditLog(GuardReasonerProperties properties, GuardBackend backend,
                                                ObjectProvider<RailBackends> railBackends) {
        RailBackends rails = RailBackends.of(railBackends, backend);
        return new GuardReasonerAuditLog(properties.audit(), rails.input().name(), rails.output().name());
    }
}
