package io.guardreasoner.spring;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Makes this application's beans visible to {@link SpringClassInstanceFactory} from the moment bean definitions
 * are final (before any {@code @AiService} proxy is built) until the application closes.
 */
final class GuardrailBeanRegistrar implements BeanFactoryPostProcessor, DisposableBean {

    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
        SpringClassInstanceFactory.register(beanFactory);
    }

    @Override
    public void destroy() {
        if (beanFactory != null) SpringClassInstanceFactory.unregister(beanFactory);
    }
}
