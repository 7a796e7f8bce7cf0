package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.langchain4j.FallbackBackend;
import io.guardreasoner.langchain4j.jlama.JlamaBackend;
import io.guardreasoner.langchain4j.localai.LocalAiBackend;

/** Builds the backend that {@code guardreasoner.backend} and {@code guardreasoner.fallback} name. */
public final class GuardBackends {

    private GuardBackends() {
    }

    /** The configured backend, with its fallback when one is set. */
    public static GuardBackend create(GuardReasonerProperties properties) {
        GuardBackend primary = switch (properties.backend()) {
            case JLAMA -> jlama(properties.jlama());
            case LOCALAI -> localAi(properties.localai());
        };
        return switch (properties.fallback()) {
            case NONE -> primary;
            case JLAMA -> FallbackBackend.of(primary, jlama(properties.jlama()));
        };
    }

    /** Jlama, loaded now when {@code load-on-startup} is set, else at the first check. */
    public static GuardBackend jlama(GuardReasonerProperties.Jlama settings) {
        // The same id as JlamaBackend would report, known before the model loads (it is part of the cache key).
        String modelId = settings.modelDir() != null
                ? settings.modelDir().toAbsolutePath().normalize().getFileName().toString() : settings.model();
        LazyGuardBackend backend = new LazyGuardBackend("jlama", modelId, () -> {
            JlamaBackend.Builder builder = JlamaBackend.builder().modelId(modelId).quantization(settings.quantization());
            if (settings.modelDir() != null) builder.modelDir(settings.modelDir());
            else builder.model(settings.model());
            if (settings.cacheDir() != null) builder.cacheDir(settings.cacheDir());
            if (settings.threads() > 0) builder.threads(settings.threads());
            if (settings.maxContextTokens() > 0) builder.maxContextTokens(settings.maxContextTokens());
            return builder.build();
        });
        if (settings.loadOnStartup()) backend.load();
        return backend;
    }

    /** LocalAI over HTTP; nothing is contacted until the first check. */
    public static GuardBackend localAi(GuardReasonerProperties.Localai settings) {
        return LocalAiBackend.builder()
                .baseUrls(settings.baseUrls())
                .modelName(settings.modelName())
                .timeout(settings.timeout())
                .build();
    }
}
