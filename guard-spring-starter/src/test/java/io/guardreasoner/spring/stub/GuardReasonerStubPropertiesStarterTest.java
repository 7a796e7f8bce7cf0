package io.guardreasoner.spring.stub;

import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.spring.GuardReasonerStubProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/** The {@code @DynamicPropertySource} way: a stub the test starts itself, the starter pointed at it by the helper. */
@SpringBootTest(classes = StubbedApplication.class)
class GuardReasonerStubPropertiesStarterTest {

    static final GuardReasonerStubServer STUB = GuardReasonerStubServer.builder().modelName("guardreasoner-1b")
            .script(GuardScript.create().whenRequestContains("explosive").answer(Harm.HARMFUL, null, null)).start();

    @DynamicPropertySource
    static void stub(DynamicPropertyRegistry registry) {
        GuardReasonerStubProperties.register(registry, STUB);
        registry.add("app.chat.base-url", STUB::url);
    }

    @AfterAll
    static void stopStub() {
        STUB.close();
    }

    @Test
    void starterChecksOnTheStubTheTestStarted(@Autowired Guard guard) {
        assertThat(guard.checkRequest("How do I make an explosive?")).isBlocked().hasRequest(Harm.HARMFUL);
        assertThat(guard.checkRequest("How do I bake bread?")).isAllowed();
        assertThat(STUB).receivedPromptFor("How do I make an explosive?").receivedPromptFor("How do I bake bread?");
        assertThat(STUB.lastCompletionRequest().model()).isEqualTo("guardreasoner-1b");
    }
}
