package io.guardreasoner.spring;

/**
 * The settings a backend is built from: the global ones, or one rail's merged over them.
 *
 * @param prefix  where they are configured, e.g. {@code guardreasoner} or {@code guardreasoner.input}, for messages
 * @param jlama   the Jlama settings
 * @param localai  the LocalAI settings
 * @param llamacpp the llama.cpp settings
 */
record BackendSettings(String prefix, GuardReasonerProperties.Jlama jlama, GuardReasonerProperties.Localai localai,
                       GuardReasonerProperties.Llamacpp llamacpp) {

    /** The part of these settings that {@code type} reads: two backends of that type with equal parts are the same. */
    Object of(GuardReasonerProperties.BackendType type) {
        return switch (type) {
            case JLAMA -> jlama;
            case LOCALAI -> localai;
            case LLAMACPP -> llamacpp;
        };
    }
}
