package io.guardreasoner.test.spring;

import io.guardreasoner.test.GuardReasonerStubServer;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Points a Spring test context's GuardReasoner at a {@link GuardReasonerStubServer} started for that context.
 *
 * <p>The stub starts before the context refreshes and stops when the context closes. The context gets
 * {@code guardreasoner.backend=localai}, {@code guardreasoner.localai.base-urls} and
 * {@code guardreasoner.localai.model-name} pointing at it (over {@code application.properties}, environment
 * variables and system properties; what the test declares itself with {@code @TestPropertySource},
 * {@code @SpringBootTest(properties = ...)} or {@code @DynamicPropertySource} still wins), and the stub itself as a bean, so a test can {@code @Autowired GuardReasonerStubServer stub} to script it
 * and assert on it. Its recorded requests and faults (not its scripts) are cleared before each test method, since
 * Spring shares the context, and with it the stub, between the tests and classes that configure it alike.
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureGuardReasonerStub(chatUrlProperties = "chatbot.model.base-url")
 * class ChatbotTest {
 *     @Autowired GuardReasonerStubServer stub;
 *     ...
 * }
 * }</pre>
 *
 * Needs {@code spring-test} on the test class path (any {@code spring-boot-starter-test} has it).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AutoConfigureGuardReasonerStub {

    /** The model name the stub serves and the guard asks for. */
    String modelName() default GuardReasonerStubServer.DEFAULT_MODEL_NAME;

    /** Accept completions for any model name. */
    boolean anyModel() default false;

    /**
     * More properties set to the stub's {@link GuardReasonerStubServer#url() url()}, e.g. the base URL of the
     * application's own chat model, which the stub's chat mode then answers from its {@code ChatScript}.
     */
    String[] chatUrlProperties() default {};

    /**
     * Classes that script the stub once, right after it starts and before the context refreshes: rules shared by
     * every test of the context. Each needs a no-argument constructor.
     */
    Class<? extends Setup>[] setup() default {};

    /** Scripts a stub once when it starts; see {@link AutoConfigureGuardReasonerStub#setup()}. */
    @FunctionalInterface
    interface Setup {
        /** Adds rules to the stub's scripts. */
        void setUp(GuardReasonerStubServer stub);
    }
}
