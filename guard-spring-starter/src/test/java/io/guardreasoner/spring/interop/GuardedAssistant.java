package io.guardreasoner.spring.interop;

import dev.langchain4j.service.guardrail.InputGuardrails;
import dev.langchain4j.service.guardrail.OutputGuardrails;
import dev.langchain4j.service.spring.AiService;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;

/** An AI service declared the langchain4j-spring-boot-starter way, naming our guardrail classes. */
@AiService
public interface GuardedAssistant {

    @InputGuardrails(GuardReasonerInputGuardrail.class)
    @OutputGuardrails(GuardReasonerOutputGuardrail.class)
    String chat(String message);
}
