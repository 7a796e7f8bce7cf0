package io.guardreasoner.samples.chatbot;

import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.guardrail.InputGuardrails;
import dev.langchain4j.service.guardrail.OutputGuardrails;
import dev.langchain4j.service.spring.AiService;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;

/**
 * The chatbot's AI service. The guardrail classes named here resolve to the starter's configured beans, so the
 * {@code guardreasoner.*} properties decide what happens to each turn.
 */
@AiService
public interface Assistant {

    @SystemMessage("You are a friendly, concise assistant.")
    @InputGuardrails(GuardReasonerInputGuardrail.class)
    @OutputGuardrails(value = GuardReasonerOutputGuardrail.class, maxRetries = 2)
    String chat(String message);
}
