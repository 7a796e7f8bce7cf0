package io.guardreasoner.spring.stub;

import dev.langchain4j.service.guardrail.InputGuardrails;
import dev.langchain4j.service.guardrail.OutputGuardrails;
import dev.langchain4j.service.spring.AiService;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;

/** A guarded AI service as an application declares it, for the tests of the stub annotation. */
@AiService
public interface StubbedAssistant {

    @InputGuardrails(GuardReasonerInputGuardrail.class)
    @OutputGuardrails(GuardReasonerOutputGuardrail.class)
    String chat(String message);
}
