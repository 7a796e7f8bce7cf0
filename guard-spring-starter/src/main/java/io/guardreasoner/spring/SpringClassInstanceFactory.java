package io.guardreasoner.spring;

import dev.langchain4j.spi.classloading.ClassInstanceFactory;
import org.springframework.beans.factory.ListableBeanFactory;

import java.lang.reflect.InvocationTargetException;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Lets LangChain4j take guardrails (and any other class it instantiates by name) from the running Spring
 * application, so {@code @InputGuardrails(GuardReasonerInputGuardrail.class)} on an {@code @AiService} gets the
 * configured bean instead of a fresh, unconfigured instance.
 *
 * <p>Registered in {@code META-INF/services}; LangChain4j asks it through {@code ClassInstanceLoader}. A class with
 * exactly one bean in a running application gets that bean; any other class is created with its no-argument
 * constructor, as LangChain4j itself would. When several applications run in one JVM (tests), the one started last
 * is asked first.
 */
public final class SpringClassInstanceFactory implements ClassInstanceFactory {

    private static final Deque<ListableBeanFactory> BEAN_FACTORIES = new ConcurrentLinkedDeque<>();

    static void register(ListableBeanFactory beanFactory) {
        BEAN_FACTORIES.addFirst(beanFactory);
    }

    static void unregister(ListableBeanFactory beanFactory) {
        BEAN_FACTORIES.remove(beanFactory);
    }

    @Override
    public <T> T getInstanceOfClass(Class<T> type) {
        for (ListableBeanFactory beanFactory : BEAN_FACTORIES) {
            T bean = beanFactory.getBeanProvider(type).getIfUnique();
            if (bean != null) return bean;
        }
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not create " + type.getName() + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getName() + " is neither a unique Spring bean nor has a public "
                    + "no-argument constructor; declare it as a @Bean", e);
        }
    }
}
