package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.jlama.JlamaBackend;

/** Jlama in-process, loaded at the first check unless {@code guardreasoner.jlama.load-on-startup} is set. */
final class JlamaBackendFactory implements GuardBackendFactory {

    @Override
    public GuardReasonerProperties.BackendType type() {
        return GuardReasonerProperties.BackendType.JLAMA;
    }

    @Override
    public GuardBackend create(BackendSettings backendSettings) {
        GuardReasonerProperties.Jlama settings = backendSettings.jlama();
        // The same id as JlamaBackend would report, known before the model loads (it is part of the cache key).
        String modelId = settings.modelDir() != null
                ? settings.modelDir().toAbsolutePath().normalize().getFileName().toString() : settings.model();
        LazyGuardBackend backend = new LazyGuardBackend("jlama", modelId, () -> {
            JlamaBackend.Builder builder = JlamaBackend.builder().modelId(modelId)
                    .quantization(JlamaBackend.Quantization.valueOf(settings.quantization().name()));
            if (settings.modelDir() != null) builder.modelDir(settings.modelDir());
            else builder.model(settings.model());
            if (settings.cacheDir() != null) builder.cacheDir(settings.cacheDir());
            if (settings.threads() > 0) builder.threads(settings.threads());
            if (settings.maxContextTokens() > 0) builder.maxContextTokens(settings.maxContextTokens());
            builder.kvCacheEntries(settings.kvCacheEntries());
            return builder.build();
        });
        if (settings.loadOnStartup()) backend.load();
        return backend;
    }
}
