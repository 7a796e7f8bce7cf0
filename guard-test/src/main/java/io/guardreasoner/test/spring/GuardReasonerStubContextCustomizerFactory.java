package io.guardreasoner.test.spring;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

import java.util.List;

/** Finds {@link AutoConfigureGuardReasonerStub} on a test class; registered in {@code META-INF/spring.factories}. */
public final class GuardReasonerStubContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        AutoConfigureGuardReasonerStub config =
                TestContextAnnotationUtils.findMergedAnnotation(testClass, AutoConfigureGuardReasonerStub.class);
        return config == null ? null : GuardReasonerStubContextCustomizer.of(config);
    }
}
