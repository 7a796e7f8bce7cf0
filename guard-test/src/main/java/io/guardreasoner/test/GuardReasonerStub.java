package io.guardreasoner.test;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts a {@link GuardReasonerStubServer} for a JUnit 5 test and injects it as a parameter.
 *
 * <p>Each test method gets its own fresh server, stopped after the test. A server injected into a constructor or
 * a {@code @BeforeAll} method lives for the whole class and is shared by its tests; its recorded requests and
 * faults (not its scripts) are cleared before each test.
 *
 * <pre>{@code
 * @GuardReasonerStub
 * class ChatbotTest {
 *     @Test
 *     void blocksBombRequests(GuardReasonerStubServer stub) {
 *         stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
 *         ...
 *     }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(GuardReasonerStubExtension.class)
public @interface GuardReasonerStub {

    /** The model name the stub serves; {@link GuardReasonerStubServer#DEFAULT_MODEL_NAME} by default. */
    String modelName() default GuardReasonerStubServer.DEFAULT_MODEL_NAME;

    /** Accept completions for any model name. */
    boolean anyModel() default false;
}
