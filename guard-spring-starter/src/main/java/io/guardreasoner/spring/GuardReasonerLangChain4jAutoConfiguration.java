package io.guardreasoner.spring;

import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.model.moderation.ModerationModel;
import io.guardreasoner.core.Guard;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerModerationModel;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * LangChain4j beans over the configured {@link Guard}: the input and output guardrails and a ModerationModel, and
 * the bridge that hands these beans to {@code @InputGuardrails}/{@code @OutputGuardrails} on AI services.
 */
@AutoConfiguration(after = GuardReasonerAutoConfiguration.class)
@ConditionalOnClass(InputGuardrail.class)
@ConditionalOnBean(Guard.class)
public class GuardReasonerLangChain4jAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerInputGuardrail guardReasonerInputGuardrail(Guard guard, GuardReasonerProperties properties) {
        return new GuardReasonerInputGuardrail(guard, properties.input().vetoMode());
    }

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerOutputGuardrail guardReasonerOutputGuardrail(Guard guard, GuardReasonerProperties properties) {
        return new GuardReasonerOutputGuardrail(guard, properties.output().vetoMode());
    }

    @Bean
    @ConditionalOnMissingBean(ModerationModel.class)
    GuardReasonerModerationModel guardReasonerModerationModel(Guard guard) {
        return new GuardReasonerModerationModel(guard);
    }

    @Bean
    @ConditionalOnMissingBean
    static GuardrailBeanRegistrar guardReasonerGuardrailBeanRegistrar() {
        return new GuardrailBeanRegistrar();
    }
}
