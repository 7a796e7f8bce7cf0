package io.guardreasoner.langchain4j;

/**
 * When a guarded chat model ({@link GuardedChatModel}, {@link GuardedStreamingChatModel}) checks the user's message.
 *
 * <p>In both modes the model checks the answer itself before anything of it is released.
 */
public enum InputMode {
    /**
     * The guarded model checks no input: a {@link GuardReasonerInputGuardrail} does, before the chat model runs.
     * A turn costs the input check, then the answer, then the output check.
     */
    SEQUENTIAL,
    /**
     * The guarded model checks the user's message on the input rail while the chat model already answers it, and
     * releases nothing (no token, no tool call) before the input verdict. A blocked request still costs the chat
     * model's work on it, and the speculative answer is discarded unseen; declare no input guardrail then.
     */
    PARALLEL
}
