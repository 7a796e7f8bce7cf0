package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Moderate;
import dev.langchain4j.service.TokenStream;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.BENIGN_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_ANSWER;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HARMFUL_REQUEST;
import static io.guardreasoner.langchain4j.GuardReasonerGuardrailsTest.HELPFUL_ANSWER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Shadow mode ({@link GuardPolicy#observeOnly}) through real AiServices proxies: every adapter lets the turn through
 * unchanged, and each assessment still names the decision the policy would have taken, marked not enforced.
 */
class ShadowModeTest {

    interface Assistant {
        String chat(String message);
    }

    interface ModeratedAssistant {
        @Moderate
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    private final List<Assessment> assessments = new CopyOnWriteArrayList<>();
    private ScriptedGuardBackend backend;
    private Guard shadow;

    @BeforeEach
    void setUp() {
        backend = new ScriptedGuardBackend(GuardReasonerGuardrailsTest.script());
        shadow = Guard.builder().backend(backend).policy(GuardPolicy.observeOnly(GuardPolicy.defaults()))
                .listener((exchange, assessment) -> assessments.add(assessment)).build();
    }

    @AfterEach
    void tearDown() {
        shadow.close();
    }

    @Test
    void inputGuardrailLetsAHarmfulRequestReachTheModelAndRecordsTheBlockItWouldHaveMade() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
                .inputGuardrails(new GuardReasonerInputGuardrail(shadow)).build();

        assertThat(assistant.chat(HARMFUL_REQUEST)).isEqualTo(HELPFUL_ANSWER);

        assertThat(model.requests()).singleElement()
                .satisfies(r -> assertThat(r.messages()).containsExactly(UserMessage.from(HARMFUL_REQUEST)));
        assertThat(assessments).singleElement().satisfies(a -> {
            assertThat(a.decision().kind()).isEqualTo("block");
            assertThat(a.enforced()).isFalse();
            assertThat(a.effectiveDecision().kind()).isEqualTo("allow");
            assertThat(a.verdict().orElseThrow().requestHarmful()).isTrue();
        });
    }

    @Test
    void outputGuardrailPassesAHarmfulAnswerUnchangedAndRecordsTheRewriteItWouldHaveMade() {
        ScriptedChatModel model = ScriptedChatModel.answering(HARMFUL_ANSWER);
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
                .inputGuardrails(new GuardReasonerInputGuardrail(shadow))
                .outputGuardrails(new GuardReasonerOutputGuardrail(shadow)).build();

        assertThat(assistant.chat("How do I unclog a drain?")).isEqualTo(HARMFUL_ANSWER);

        assertThat(assessments).extracting(a -> a.rail().label() + ":" + a.decision().kind() + ":" + a.enforced())
                .containsExactly("input:allow:false", "output:rewrite:false");
        assertThat(assessments.get(1).verdict().orElseThrow().responseHarmful()).isTrue();
    }

    @Test
    void aBlockingOutputPolicyInShadowModeNeitherThrowsNorReprompts() {
        Guard strict = Guard.builder().backend(backend)
                .policy(GuardPolicy.observeOnly(GuardPolicy.builder()
                        .output(RailPolicy.outputDefaults().withOnHarmful(GuardAction.BLOCK)).build()))
                .listener((exchange, assessment) -> assessments.add(assessment)).build();
        try {
            ScriptedChatModel model = ScriptedChatModel.answering(HARMFUL_ANSWER);
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
                    .outputGuardrails(new GuardReasonerOutputGuardrail(strict, VetoMode.FATAL)).build();

            assertThat(assistant.chat("How do I unclog a drain?")).isEqualTo(HARMFUL_ANSWER);
            assertThat(model.requests()).hasSize(1);
            assertThat(assessments).singleElement()
                    .satisfies(a -> assertThat(a.decision().kind() + ":" + a.enforced()).isEqualTo("block:false"));
        } finally {
            strict.close();
        }
    }

    @Test
    void moderationModelDoesNotFlagAHarmfulRequestButTheAssessmentSaysBlock() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
        ModeratedAssistant assistant = AiServices.builder(ModeratedAssistant.class).chatModel(model)
                .moderationModel(new GuardReasonerModerationModel(shadow)).build();

        assertThat(assistant.chat(HARMFUL_REQUEST)).isEqualTo(HELPFUL_ANSWER);

        assertThat(model.requests()).hasSize(1);
        assertThat(assessments).singleElement().satisfies(a -> {
            assertThat(a.decision().kind()).isEqualTo("block");
            assertThat(a.enforced()).isFalse();
        });
    }

    @Test
    void guardedStreamingModelStreamsAHarmfulAnswerUnchangedAndRecordsTheRewrite() throws Exception {
        ScriptedStreamingChatModel model = ScriptedStreamingChatModel.answering(HARMFUL_ANSWER);
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(shadow).build())
                .inputGuardrails(new GuardReasonerInputGuardrail(shadow))
                .build();

        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant.chat(HARMFUL_REQUEST).onPartialResponse(partials::add)
                .onCompleteResponse(done::complete).onError(done::completeExceptionally).start();
        ChatResponse response = done.get(10, TimeUnit.SECONDS);

        assertThat(String.join("", partials)).isEqualTo(HARMFUL_ANSWER);
        assertThat(response.aiMessage().text()).isEqualTo(HARMFUL_ANSWER);
        assertThat(model.requests()).hasSize(1);
        assertThat(assessments).extracting(a -> a.rail().label() + ":" + a.decision().kind() + ":" + a.enforced())
                .containsExactly("input:block:false", "output:rewrite:false");
    }

    @Test
    void eachGuardrailDecidesWithItsOwnPolicyOnOneSharedGuard() {
        Guard guard = Guard.builder().backend(backend)
                .listener((exchange, assessment) -> assessments.add(assessment)).build();
        try {
            GuardPolicy lenient = GuardPolicy.builder()
                    .input(RailPolicy.inputDefaults().withOnHarmful(GuardAction.ALLOW)).build();
            GuardPolicy watched = GuardPolicy.observeOnly(GuardPolicy.defaults());
            ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
            Assistant strictService = AiServices.builder(Assistant.class).chatModel(model)
                    .inputGuardrails(new GuardReasonerInputGuardrail(guard)).build();
            Assistant lenientService = AiServices.builder(Assistant.class).chatModel(model)
                    .inputGuardrails(new GuardReasonerInputGuardrail(guard, lenient, VetoMode.FAILURE)).build();
            Assistant watchedService = AiServices.builder(Assistant.class).chatModel(model)
                    .inputGuardrails(new GuardReasonerInputGuardrail(guard, watched, VetoMode.FAILURE)).build();

            assertThatThrownBy(() -> strictService.chat(HARMFUL_REQUEST)).isInstanceOf(InputGuardrailException.class);
            assertThat(lenientService.chat(HARMFUL_REQUEST)).isEqualTo(HELPFUL_ANSWER);
            assertThat(watchedService.chat(HARMFUL_REQUEST)).isEqualTo(HELPFUL_ANSWER);

            assertThat(assessments).extracting(a -> a.decision().kind() + ":" + a.enforced() + ":" + a.source().label())
                    .containsExactly("block:true:model", "allow:true:cache", "block:false:cache");
            assertThat(backend.prompts()).hasSize(1);
        } finally {
            guard.close();
        }
    }

    @Test
    void shadowModeChangesNothingForABenignTurn() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
                .inputGuardrails(new GuardReasonerInputGuardrail(shadow))
                .outputGuardrails(new GuardReasonerOutputGuardrail(shadow)).build();

        assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
        assertThat(assessments).extracting(a -> a.decision().kind() + ":" + a.enforced())
                .containsExactly("allow:false", "allow:false");
    }
}
