package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.llamacpp.GgufType;
import io.guardreasoner.llamacpp.KvCacheType;
import io.guardreasoner.llamacpp.LlamaCppBackend;

import java.nio.file.Path;

/** llama.cpp in-process, loaded at the first check unless {@code guardreasoner.llamacpp.load-on-startup} is set. */
final class LlamaCppBackendFactory implements GuardBackendFactory {

    private final int defaultSlots;

    /** @param defaultSlots the slots when the settings leave them at 0: the guard's max-concurrent */
    LlamaCppBackendFactory(int defaultSlots) {
        this.defaultSlots = defaultSlots;
    }

    @Override
    public GuardReasonerProperties.BackendType type() {
        return GuardReasonerProperties.BackendType.LLAMACPP;
    }

    @Override
    public GuardBackend create(BackendSettings backendSettings) {
        GuardReasonerProperties.Llamacpp settings = backendSettings.llamacpp();
        if (!settings.hasModel()) {
            throw new InvalidGuardReasonerPropertyException(backendSettings.prefix() + ".llamacpp.gguf", "",
                    "or " + backendSettings.prefix() + ".llamacpp.model-dir is required when the guard runs on llama.cpp");
        }
        // The same id as LlamaCppBackend reports, known before the model loads (it is part of the cache key).
        String modelId = settings.modelDir() != null ? name(settings.modelDir()) : withoutGguf(name(settings.gguf()));
        int slots = settings.slots() > 0 ? settings.slots() : Math.min(64, defaultSlots);
        LazyGuardBackend backend = new LazyGuardBackend("llamacpp", modelId, () -> {
            LlamaCppBackend.Builder builder = LlamaCppBackend.builder().modelId(modelId).slots(slots)
                    .contextTokens(settings.contextTokens())
                    .kvCacheType(KvCacheType.valueOf(settings.kvCacheType().name()));
            if (settings.gguf() != null) {
                builder.ggufFile(settings.gguf());
            } else {
                builder.modelDir(settings.modelDir()).type(GgufType.valueOf(settings.type().name()));
                if (settings.cacheDir() != null) builder.cacheDir(settings.cacheDir());
            }
            if (settings.threads() > 0) builder.threads(settings.threads());
            return builder.build();
        });
        if (settings.loadOnStartup()) backend.load();
        return backend;
    }

    private static String name(Path path) {
        Path name = path.toAbsolutePath().normalize().getFileName();
        return name == null ? path.toString() : name.toString();
    }

    private static String withoutGguf(String fileName) {
        return fileName.endsWith(".gguf") ? fileName.substring(0, fileName.length() - ".gguf".length()) : fileName;
    }
}
