package io.guardreasoner.spring;

import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.model.moderation.ModerationModel;
import io.guardreasoner.core.Guard;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerModerationModel;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * LangChain4j beans over the configured {@link Guard}: the input and output guardrails and a ModerationModel, and
 * the bridge that hands these beans to {@code @InputGuardrails}/{@code @OutputGuardrails} on AI services. The
 * guardrails apply {@code guardreasoner.services.<bean name>.*} to the AI service of that name.
 */
@AutoConfiguration(after = GuardReasonerAutoConfiguration.class)
@ConditionalOnClass(InputGuardrail.class)
@ConditionalOnBean(Guard.class)
public class GuardReasonerLangChain4jAutoConfiguration {

    @Bean
    ServicePolicies guardReasonerServicePolicies(GuardReasonerProperties properties, ListableBeanFactory beans) {
        return new ServicePolicies(properties, beans);
    }

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerInputGuardrail guardReasonerInputGuardrail(Guard guard, GuardReasonerProperties properties,
                                                            ServicePolicies services) {
        return new ServiceInputGuardrail(guard, properties.input().vetoMode(), services);
    }

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerOutputGuardrail guardReasonerOutputGuardrail(Guard guard, GuardReasonerProperties properties,
                                                              ServicePolicies services) {
        return new ServiceOutputGuardrail(guard, properties.output().vetoMode(), services);
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
