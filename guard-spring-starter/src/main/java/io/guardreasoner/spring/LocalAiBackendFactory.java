package io.guardreasoner.spring;

import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.localai.LocalAiBackend;

/** LocalAI (or any OpenAI-compatible server) over HTTP; nothing is contacted until the first check. */
final class LocalAiBackendFactory implements GuardBackendFactory {

    @Override
    public GuardReasonerProperties.BackendType type() {
        return GuardReasonerProperties.BackendType.LOCALAI;
    }

    @Override
    public GuardBackend create(BackendSettings backendSettings) {
        GuardReasonerProperties.Localai settings = backendSettings.localai();
        if (settings.baseUrls().isEmpty()) {
            throw new InvalidGuardReasonerPropertyException(backendSettings.prefix() + ".localai.base-urls", "",
                    "is required when the guard runs on LocalAI; set it to the server's OpenAI-compatible base URL, "
                            + "e.g. http://localhost:8080/v1");
        }
        try {
            return LocalAiBackend.builder()
                    .baseUrls(settings.baseUrls())
                    .modelName(settings.modelName())
                    .timeout(settings.timeout())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new InvalidGuardReasonerPropertyException(backendSettings.prefix() + ".localai.base-urls",
                    settings.baseUrls(), e.getMessage());
        }
    }
}
