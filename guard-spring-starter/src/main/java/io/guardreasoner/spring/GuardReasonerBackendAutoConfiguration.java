package io.guardreasoner.spring;

import io.guardreasoner.core.FallbackBackend;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.Rail;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link GuardBackend} that {@code guardreasoner.backend} (and {@code guardreasoner.fallback}) name, and each
 * rail's own one where {@code guardreasoner.input.*} / {@code guardreasoner.output.*} name another backend or other
 * settings. As Spring Boot's {@code DataSourceConfiguration} does, each backend has a nested configuration that applies
 * only when its artifact is on the class path and the properties name it; the artifacts are optional dependencies of
 * the starter.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = GuardReasonerProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(GuardReasonerProperties.class)
@Import({GuardReasonerBackendAutoConfiguration.Jlama.class, GuardReasonerBackendAutoConfiguration.LocalAi.class,
        GuardReasonerBackendAutoConfiguration.LlamaCpp.class})
public class GuardReasonerBackendAutoConfiguration {

    /**
     * The backends that serve when {@code guardreasoner.backend} is unset, in order of preference. Not llama.cpp: its
     * native code can crash the JVM, so it runs only where a property names it.
     */
    static final List<GuardReasonerProperties.BackendType> DEFAULTS =
            List.of(GuardReasonerProperties.BackendType.JLAMA, GuardReasonerProperties.BackendType.LOCALAI);

    @Bean
    @ConditionalOnMissingBean
    GuardBackend guardReasonerBackend(GuardReasonerProperties properties, ObjectProvider<GuardBackendFactory> factories) {
        Map<GuardReasonerProperties.BackendType, GuardBackendFactory> byType = byType(factories);
        GuardBackend primary = primary(properties, byType).create(properties.backendSettings());
        GuardReasonerProperties.BackendType fallback = properties.fallback().backend();
        if (fallback == null) return primary;
        GuardBackendFactory factory = byType.get(fallback);
        if (factory == null) {
            primary.close();
            throw MissingBackendArtifactException.named(GuardReasonerProperties.PREFIX + ".fallback", fallback);
        }
        return FallbackBackend.of(primary, factory.create(properties.backendSettings()));
    }

    /**
     * Each rail's backend: the {@link GuardBackend} bean, unless the rail names another backend type or other
     * settings for it; then a backend of its own (shared by both rails when theirs are the same), behind the fallback
     * when {@code guardreasoner.fallback} names another type.
     */
    @Bean
    @ConditionalOnMissingBean
    RailBackends guardReasonerRailBackends(GuardReasonerProperties properties, GuardBackend defaultBackend,
                                           ObjectProvider<GuardBackendFactory> factories) {
        Map<GuardReasonerProperties.BackendType, GuardBackendFactory> byType = byType(factories);
        GuardReasonerProperties.BackendType defaultType = properties.backend() != null ? properties.backend()
                : DEFAULTS.stream().filter(byType::containsKey).findFirst().orElse(null);
        Map<Object, GuardBackend> built = new HashMap<>();
        List<GuardBackend> own = new ArrayList<>();
        GuardBackend[] rails = new GuardBackend[2];
        GuardBackend fallback = null;
        try {
            for (Rail rail : Rail.values()) {
                GuardReasonerProperties.BackendType type = properties.backend(rail) != null
                        ? properties.backend(rail) : defaultType;
                BackendSettings settings = properties.backendSettings(rail);
                if (type == null || (type == defaultType
                        && settings.of(type).equals(properties.backendSettings().of(type)))) {
                    rails[rail.ordinal()] = defaultBackend;
                    continue;
                }
                GuardBackendFactory factory = byType.get(type);
                if (factory == null) {
                    throw MissingBackendArtifactException.named(settings.prefix() + ".backend", type);
                }
                GuardReasonerProperties.BackendType fallbackType = properties.fallback().backend();
                boolean fallsBack = fallbackType != null && fallbackType != type;
                if (fallsBack && fallback == null) {
                    GuardBackendFactory fallbackFactory = byType.get(fallbackType);
                    if (fallbackFactory == null) {
                        throw MissingBackendArtifactException.named(GuardReasonerProperties.PREFIX + ".fallback", fallbackType);
                    }
                    fallback = fallbackFactory.create(properties.backendSettings());
                    own.add(fallback);
                }
                Object key = List.of(type, settings.of(type), fallsBack);
                GuardBackend backend = built.get(key);
                if (backend == null) {
                    GuardBackend primary = factory.create(settings);
                    own.add(primary);
                    backend = fallsBack ? FallbackBackend.of(primary, fallback) : primary;
                    built.put(key, backend);
                }
                rails[rail.ordinal()] = backend;
            }
        } catch (RuntimeException e) {
            own.forEach(GuardBackend::close);
            throw e;
        }
        return new RailBackends(rails[Rail.INPUT.ordinal()], rails[Rail.OUTPUT.ordinal()], own);
    }

    private static Map<GuardReasonerProperties.BackendType, GuardBackendFactory> byType(
            ObjectProvider<GuardBackendFactory> factories) {
        Map<GuardReasonerProperties.BackendType, GuardBackendFactory> byType =
                new EnumMap<>(GuardReasonerProperties.BackendType.class);
        factories.orderedStream().forEach(f -> byType.putIfAbsent(f.type(), f));
        return byType;
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

    /**
     * In-process llama.cpp, when guard-llamacpp is on the class path and a property names it (never by default).
     * Unset slots take {@code guardreasoner.max-concurrent}: every check the guard runs at once gets a slot.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.guardreasoner.llamacpp.LlamaCppBackend")
    @ConditionalOnBackend(GuardReasonerProperties.BackendType.LLAMACPP)
    static class LlamaCpp {
        @Bean
        GuardBackendFactory guardReasonerLlamaCppBackendFactory(GuardReasonerProperties properties) {
            return new LlamaCppBackendFactory(properties.maxConcurrent());
        }
    }
}
