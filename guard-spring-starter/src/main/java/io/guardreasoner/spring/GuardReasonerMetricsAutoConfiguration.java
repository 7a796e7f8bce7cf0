package io.guardreasoner.spring;

import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/** Micrometer meters for every assessment, when the application has a {@link MeterRegistry}. */
@AutoConfiguration(
        after = GuardReasonerBackendAutoConfiguration.class,
        afterName = {
                "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeterRegistry.class, GuardBackend.class})
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = "enabled", matchIfMissing = true)
public class GuardReasonerMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerMetrics guardReasonerMetrics(MeterRegistry registry, GuardBackend backend,
                                              ObjectProvider<RailBackends> railBackends) {
        RailBackends rails = RailBackends.of(railBackends, backend);
        return new GuardReasonerMetrics(registry, rails.input().name(), rails.output().name());
    }

    /** Gauges that read the guard's live state. */
    @Bean
    @ConditionalOnMissingBean(name = "guardReasonerGauges")
    MeterBinder guardReasonerGauges(Guard guard) {
        return registry -> {
            Gauge.builder("guardreasoner.cache.size", guard, Guard::cachedVerdicts)
                    .description("Verdicts in the cache").register(registry);
            Gauge.builder("guardreasoner.queue", guard, Guard::queuedChecks)
                    .description("Checks waiting for a worker").register(registry);
        };
    }
}
