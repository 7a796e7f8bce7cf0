package io.guardreasoner.spring;

import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.model.moderation.ModerationModel;
import io.guardreasoner.core.Guard;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerModerationModel;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import io.guardreasoner.langchain4j.InputMode;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * LangChain4j beans over the configured {@link Guard}: the input and output guardrails and a ModerationModel, and
 * the bridge that hands these beans to {@code @InputGuardrails}/{@code @OutputGuardrails} on AI services. The
 * guardrails apply {@code guardreasoner.services.<bean name>.*} to the AI service of that name. With
 * {@code guardreasoner.input.mode=parallel} or {@code guardreasoner.tools.enabled=true}, the application's chat models
 * are wrapped in the guarded ones, which then check what the guardrail beans would have (those pass it on, and the
 * wrapped models decide with the global rules).
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
        if (properties.input().mode() == InputMode.PARALLEL) {
            return new ModelCheckedGuardrails.Input(() -> guard, properties.input().vetoMode());
        }
        return new ServiceInputGuardrail(guard, properties.input().vetoMode(), services);
    }

    @Bean
    @ConditionalOnMissingBean
    GuardReasonerOutputGuardrail guardReasonerOutputGuardrail(Guard guard, GuardReasonerProperties properties,
                                                              ServicePolicies services) {
        if (properties.wrapsChatModels()) {
            return new ModelCheckedGuardrails.Output(() -> guard, properties.output().vetoMode());
        }
        return new ServiceOutputGuardrail(guard, properties.output().vetoMode(), services);
    }

    /** With a parallel input rail or the tool rail, the application's chat models are wrapped to run those checks. */
    @Bean
    static GuardedChatModelsPostProcessor guardReasonerChatModelsPostProcessor(
            ObjectProvider<GuardReasonerProperties> properties, ObjectProvider<Guard> guard) {
        return new GuardedChatModelsPostProcessor(properties, guard);
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
