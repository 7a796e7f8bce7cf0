package io.guardreasoner.spring;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import io.guardreasoner.core.Guard;
import io.guardreasoner.langchain4j.GuardedChatModel;
import io.guardreasoner.langchain4j.GuardedStreamingChatModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Wraps the application's {@link ChatModel} and {@link StreamingChatModel} beans in {@link GuardedChatModel} and
 * {@link GuardedStreamingChatModel} when {@code guardreasoner.input.mode=parallel} or
 * {@code guardreasoner.tools.enabled=true}: those checks run inside the model call. A bean that is both kinds of
 * model, or already guarded, is left as it is.
 */
final class GuardedChatModelsPostProcessor implements BeanPostProcessor {

    private static final System.Logger LOG = System.getLogger(GuardedChatModelsPostProcessor.class.getName());

    // Looked up at the first chat model bean, not when post-processors are made: the guard is an ordinary bean.
    private final ObjectProvider<GuardReasonerProperties> properties;
    private final ObjectProvider<Guard> guard;

    GuardedChatModelsPostProcessor(ObjectProvider<GuardReasonerProperties> properties, ObjectProvider<Guard> guard) {
        this.properties = properties;
        this.guard = guard;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        boolean chat = bean instanceof ChatModel && !(bean instanceof GuardedChatModel);
        boolean streaming = bean instanceof StreamingChatModel && !(bean instanceof GuardedStreamingChatModel);
        if (!chat && !streaming) return bean;
        GuardReasonerProperties config = properties.getIfAvailable();
        if (config == null || !config.wrapsChatModels()) return bean;
        if (chat && streaming) {
            LOG.log(System.Logger.Level.WARNING, "bean ''{0}'' is both a ChatModel and a StreamingChatModel; it is not "
                    + "wrapped, so its answers get no parallel input check or tool rail", beanName);
            return bean;
        }
        if (chat) {
            return GuardedChatModel.builder().delegate((ChatModel) bean).guard(guard.getObject())
                    .inputMode(config.input().mode()).toolCalls(config.tools().enabled()).build();
        }
        return GuardedStreamingChatModel.builder().delegate((StreamingChatModel) bean).guard(guard.getObject())
                .inputMode(config.input().mode()).toolCalls(config.tools().enabled()).build();
    }
}
