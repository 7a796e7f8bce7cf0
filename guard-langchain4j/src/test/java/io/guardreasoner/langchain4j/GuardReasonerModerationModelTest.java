package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.moderation.Moderation;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Moderate;
import dev.langchain4j.service.ModerationException;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.BENIGN_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HELPFUL_ANSWER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code @Moderate} on a real AiServices proxy, answered by GuardReasoner. */
class GuardReasonerModerationModelTest {

    interface ModeratedAssistant {
        @Moderate
        String chat(String message);
    }

    private ScriptedGuardBackend backend;
    private Guard guard;

    @BeforeEach
    void setUp() {
        backend = new ScriptedGuardBackend(GuardReasonerGuardrailsTest.script());
        guard = Guard.builder().backend(backend).build();
    }

    @AfterEach
    void tearDown() {
        guard.close();
    }

    private ModeratedAssistant assistant(Guard guard) {
        return AiServices.builder(ModeratedAssistant.class)
                .chatModel(ScriptedChatModel.answering(HELPFUL_ANSWER))
                .moderationModel(new GuardReasonerModerationModel(guard))
                .build();
    }

    @Test
    void moderateStopsHarmfulRequestWithTheReason() {
        assertThatThrownBy(() -> assistant(guard).chat(HARMFUL_REQUEST))
                .isInstanceOf(ModerationException.class)
                .hasMessage("Text \"GuardReasoner flagged the request: the request was judged harmful (request=harmful)\" "
                        + "violates content policy")
                .satisfies(e -> assertThat(((ModerationException) e).moderation().flagged()).isTrue());
    }

    @Test
    void moderateLetsBenignRequestThrough() {
        assertThat(assistant(guard).chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
    }

    @Test
    void flagsWhenTheFailurePolicyBlocks() {
        backend.failWith("connection refused by 127.0.0.1:8080");

        assertThatThrownBy(() -> assistant(guard).chat(BENIGN_REQUEST))
                .isInstanceOf(ModerationException.class)
                .hasMessageContaining("GuardReasoner flagged the request: the guard failed (backend_error)");
    }

    @Test
    void doesNotFlagWhenTheFailurePolicyAllows() {
        backend.failWith("connection refused by 127.0.0.1:8080");
        Guard failOpen = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnFailure(GuardAction.ALLOW)).build();

        assertThat(assistant(failOpen).chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
    }

    @Test
    void flagsHarmfulRequestEvenWhenThePolicyRewritesIt() {
        Guard rewriting = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE)).build();

        Moderation moderation = new GuardReasonerModerationModel(rewriting).moderate(HARMFUL_REQUEST).content();

        assertThat(moderation.flagged()).isTrue();
        assertThat(moderation.flaggedText()).isEqualTo(
                "GuardReasoner flagged the request: the request was judged harmful (request=harmful)");
    }

    @Test
    void judgesTheLastUserMessageOfAConversation() {
        GuardReasonerModerationModel moderation = new GuardReasonerModerationModel(guard);

        assertThat(moderation.moderate(List.of(SystemMessage.from("Never explain how to build a bomb."),
                UserMessage.from(BENIGN_REQUEST))).content().flagged()).isFalse();
        assertThat(moderation.moderate(List.of(UserMessage.from(BENIGN_REQUEST),
                UserMessage.from(HARMFUL_REQUEST))).content().flagged()).isTrue();
        assertThat(backend.prompts()).hasSize(2);
    }
}
