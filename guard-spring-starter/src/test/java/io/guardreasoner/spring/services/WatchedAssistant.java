package io.guardreasoner.spring.services;

import dev.langchain4j.service.guardrail.InputGuardrails;
import dev.langchain4j.service.guardrail.OutputGuardrails;
import dev.langchain4j.service.spring.AiService;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;

/** An AI service (bean watchedAssistant) naming the same guardrail classes as the others; its rules come from properties. */
@AiService
public interface WatchedAssistant {

    @InputGuardrails(GuardReasonerInputGuardrail.class)
    @OutputGuardrails(GuardReasonerOutputGuardrail.class)
    String chat(String message);
}
