package io.guardreasoner.test.spring;

import io.guardreasoner.test.GuardReasonerStubServer;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the stub for one test context, points the context at it and stops it with the context.
 *
 * <p>A record, so that test classes configured alike get equal customizers and share one cached context.
 */
record GuardReasonerStubContextCustomizer(String modelName, boolean anyModel, List<String> chatUrlProperties,
                                          List<Class<? extends AutoConfigureGuardReasonerStub.Setup>> setup)
        implements ContextCustomizer {

    /** The bean name the stub is registered under. */
    static final String BEAN_NAME = "guardReasonerStubServer";

    /** The name of the property source that points the context at the stub. */
    static final String PROPERTY_SOURCE_NAME = "GuardReasoner stub server";

    static GuardReasonerStubContextCustomizer of(AutoConfigureGuardReasonerStub config) {
        return new GuardReasonerStubContextCustomizer(config.modelName(), config.anyModel(),
                List.of(config.chatUrlProperties()), List.of(config.setup()));
    }

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
        GuardReasonerStubServer.Builder builder = GuardReasonerStubServer.builder().modelName(modelName);
        if (anyModel) builder.anyModel();
        GuardReasonerStubServer stub = builder.start();
        try {
            for (Class<? extends AutoConfigureGuardReasonerStub.Setup> type : setup) {
                BeanUtils.instantiateClass(type).setUp(stub);
            }
            register(context, stub);
        } catch (RuntimeException e) {
            stub.close();
            throw e;
        }

        Map<String, Object> properties = new LinkedHashMap<>(stub.springProperties());
        for (String property : chatUrlProperties) properties.put(property, stub.url());
        addProperties(context.getEnvironment().getPropertySources(), new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
    }

    /** The stub as a bean, stopped when the context closes or fails to refresh. */
    private static void register(ConfigurableApplicationContext context, GuardReasonerStubServer stub) {
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        beanFactory.registerSingleton(BEAN_NAME, stub);
        if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
            // A singleton registered by hand gets no destroy callback; this one also runs when refresh fails.
            registry.registerDisposableBean(BEAN_NAME, stub::close);
        } else {
            context.addApplicationListener((ApplicationListener<ApplicationEvent>) event -> {
                if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == context) stub.close();
            });
        }
    }

    /**
     * Just above the system properties: over the environment and application.properties, under every property
     * source a test declares itself ({@code @TestPropertySource}, {@code @DynamicPropertySource}), which Spring adds
     * first.
     */
    private static void addProperties(MutablePropertySources sources, MapPropertySource stubProperties) {
        String systemProperties = StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME;
        if (sources.contains(systemProperties)) sources.addBefore(systemProperties, stubProperties);
        else sources.addFirst(stubProperties);
    }
}
