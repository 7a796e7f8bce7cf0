package io.guardreasoner.spring;

import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.core.GuardBackend;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link GuardBackend} that {@code guardreasoner.backend} (and {@code guardreasoner.fallback}) name. As Spring
 * Boot's {@code DataSourceConfiguration} does, each backend has a nested configuration that applies only when its
 * artifact is on the class path and the properties name it; the artifacts are optional dependencies of the starter.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(GuardReasonerProperties.class)
@Import({GuardReasonerBackendAutoConfiguration.Jlama.class, GuardReasonerBackendAutoConfiguration.LocalAi.class})
public class GuardReasonerBackendAutoConfiguration {

    /** The backends that serve when {@code guardreasoner.backend} is unset, in order of preference. */
    static final List<GuardReasonerProperties.BackendType> DEFAULTS =
            List.of(GuardReasonerProperties.BackendType.JLAMA, GuardReasonerProperties.BackendType.LOCALAI);

    @Bean
    @ConditionalOnMissingBean
    GuardBackend guardReasonerBackend(GuardReasonerProperties properties, ObjectProvider<GuardBackendFactory> factories) {
        Map<GuardReasonerProperties.BackendType, GuardBackendFactory> byType =
                new EnumMap<>(GuardReasonerProperties.BackendType.class);
        factories.orderedStream().forEach(f -> byType.putIfAbsent(f.type(), f));
        GuardBackend primary = primary(properties, byType).create(properties);
        GuardReasonerProperties.BackendType fallback = properties.fallback().backend();
        if (fallback == null) return primary;
        GuardBackendFactory factory = byType.get(fallback);
        if (factory == null) {
            primary.close();
            throw MissingBackendArtifactException.named(GuardReasonerProperties.PREFIX + ".fallback", fallback);
        }
        return FallbackBackend.of(primary, factory.create(properties));
    }

    private static GuardBackendFactory primary(GuardReasonerProperties properties,
                                               Map<GuardReasonerProperties.BackendType, GuardBackendFactory> byType) {
        if (properties.backend() != null) {
            GuardBackendFactory named = byType.get(properties.backend());
            if (named == null) {
                throw MissingBackendArtifactException.named(GuardReasonerProperties.PREFIX + ".backend", properties.backend());
            }
            return named;
        }
        for (GuardReasonerProperties.BackendType type : DEFAULTS) {
            if (byType.containsKey(type)) return byType.get(type);
        }
        throw MissingBackendArtifactException.none(DEFAULTS);
    }

    /** In-process Jlama, when guard-jlama is on the class path and the properties name it (or name no backend). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.guardreasoner.jlama.JlamaBackend")
    @ConditionalOnBackend(GuardReasonerProperties.BackendType.JLAMA)
    static class Jlama {
        @Bean
        GuardBackendFactory guardReasonerJlamaBackendFactory() {
            return new JlamaBackendFactory();
        }
    }

    /** A LocalAI server, when guard-localai is on the class path and the properties name it (or name no backend). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.guardreasoner.localai.LocalAiBackend")
    @ConditionalOnBackend(GuardReasonerProperties.BackendType.LOCALAI)
    static class LocalAi {
        @Bean
        GuardBackendFactory guardReasonerLocalAiBackendFactory() {
            return new LocalAiBackendFactory();
        }
    }
}
