/**
 * GuardReasoner in front of LangChain4j AI services: input and output guardrails, a {@code ModerationModel} for
 * {@code @Moderate}, and guarded chat models ({@link io.guardreasoner.langchain4j.GuardedChatModel},
 * {@link io.guardreasoner.langchain4j.GuardedStreamingChatModel}) that only release what the guard has passed.
 *
 * <p><b>How a guardrail gets its guard.</b> Given to the AiServices builder, a guardrail uses the guard you pass:
 * {@code .inputGuardrails(new GuardReasonerInputGuardrail(guard))}. Named in {@code @InputGuardrails} /
 * {@code @OutputGuardrails}, the class is created by LangChain4j 1.11.0 itself, once per AI service, on its first
 * call: through the first {@code dev.langchain4j.spi.classloading.ClassInstanceFactory} found by
 * {@code ServiceLoader} (how DI containers hand out configured instances), or else with the no-arg constructor. The
 * no-arg constructor uses {@link io.guardreasoner.langchain4j.GuardReasoner#defaultGuard()}, looked up at every
 * check, so call {@link io.guardreasoner.langchain4j.GuardReasoner#setDefault GuardReasoner.setDefault(guard)}
 * once at start-up; a check without one fails with a message that says so.
 *
 * <p><b>Streaming.</b> LangChain4j 1.11.0 replays the original tokens of a {@code TokenStream} to
 * {@code onPartialResponse} after its output guardrails ran, even when they rewrote the answer. Wrap the streaming
 * model in {@link io.guardreasoner.langchain4j.GuardedStreamingChatModel} instead of declaring an output guardrail
 * on a streaming method.
 *
 * <p><b>Hiding the guard's latency.</b> With {@link io.guardreasoner.langchain4j.InputMode#PARALLEL}, a guarded chat
 * model checks the user's message while the chat model already answers it and releases nothing before the verdict;
 * {@link io.guardreasoner.langchain4j.ForgetBlockedRequests} takes a blocked message back out of the chat memory.
 * With {@code toolCalls(true)} it judges the tool calls an answer asks for before the AI service can run them.
 */
package io.guardreasoner.langchain4j;
