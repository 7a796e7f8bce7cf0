package io.guardreasoner.langchain4j;

/**
 * How a guardrail reports a blocked turn to LangChain4j.
 *
 * <p>Both end the call with a {@code GuardrailException}; they differ in what LangChain4j does with the other
 * guardrails of the same method.
 */
public enum VetoMode {
    /** {@code failure(...)}: the remaining guardrails still run, then the call fails with every failure listed. */
    FAILURE,
    /** {@code fatal(...)}: the call fails at once; no later guardrail runs. */
    FATAL
}
