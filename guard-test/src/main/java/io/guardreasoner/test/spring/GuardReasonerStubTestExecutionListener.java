package io.guardreasoner.test.spring;

import io.guardreasoner.test.GuardReasonerStubServer;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Before each test method of a class with {@link AutoConfigureGuardReasonerStub}, forgets the stub's recorded
 * requests and drops its faults, so that a test sees only its own traffic although the context is shared.
 * Registered in {@code META-INF/spring.factories}.
 */
public final class GuardReasonerStubTestExecutionListener extends AbstractTestExecutionListener {

    /** After dependency injection (2000), before the test's own {@code @BeforeEach} methods. */
    @Override
    public int getOrder() {
        return 2100;
    }

    @Override
    public void beforeTestMethod(TestContext testContext) {
        if (TestContextAnnotationUtils.findMergedAnnotation(testContext.getTestClass(),
                AutoConfigureGuardReasonerStub.class) == null) {
            return;
        }
        testContext.getApplicationContext()
                .getBean(GuardReasonerStubContextCustomizer.BEAN_NAME, GuardReasonerStubServer.class)
                .reset();
    }
}
