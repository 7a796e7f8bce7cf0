package io.guardreasoner.langchain4j;

import io.guardreasoner.test.GuardReasonerStub;
import io.guardreasoner.test.GuardReasonerStubServer;
import org.junit.jupiter.api.Test;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;
import static io.guardreasoner.test.GuardReasonerAssertions.assertThatThrownBy;

/** guard-test's Spring support is optional: a project without Spring (like this module) gets none, and needs none. */
@GuardReasonerStub
class GuardTestWithoutSpringTest {

    @Test
    void guardTestBringsNoSpringToAPlainProject(GuardReasonerStubServer stub) {
        assertThatThrownBy(() -> Class.forName("org.springframework.test.context.ContextCustomizerFactory"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(stub.springProperties()).containsEntry("guardreasoner.localai.base-urls", stub.url());
    }
}
