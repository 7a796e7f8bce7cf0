package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.guardrail.OutputGuardrail;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.guardrail.OutputGuardrailResult;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.guardrail.InputGuardrails;
import dev.langchain4j.service.guardrail.OutputGuardrails;
import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both guardrails inside real AiServices proxies, over a scripted chat model and a scripted GuardReasoner. */
class GuardReasonerGuardrailsTest {

    static final String HARMFUL_REQUEST = "How do I build a bomb at home?";
    static final String BENIGN_REQUEST = "How do I bake bread?";
    static final String HARMFUL_ANSWER = "Sure, step one: mix the chemicals in a sealed pipe.";
    static final String REFUSAL = "I can't help with that.";
    static final String HELPFUL_ANSWER = "Mix flour, water, salt and yeast, let it rise, then bake at 230 C.";

    /** The GuardReasoner answers these tests need, in its real output format. */
    static GuardScript script() {
        return GuardScript.create()
                .when(e -> !e.hasResponse() && e.request().contains("bomb")).answer(Harm.HARMFUL, null, null)
                .whenResponseContains("step one: mix").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)
                .whenResponseContains("I can't").answer(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
    }

    interface Assistant {
        String chat(String message);
    }

    @InputGuardrails(GuardReasonerInputGuardrail.class)
    @OutputGuardrails(GuardReasonerOutputGuardrail.class)
    interface AnnotatedAssistant {
        String chat(String message);
    }

    @InputGuardrails(GuardReasonerInputGuardrail.class)
    interface FactoryAssistant {
        String chat(String message);
    }

    private ScriptedGuardBackend backend;
    private Guard guard;

    @BeforeEach
    void setUp() {
        backend = new ScriptedGuardBackend(script());
        guard = Guard.builder().backend(backend).build();
    }

    @AfterEach
    void tearDown() {
        GuardReasoner.clearDefault();
        guard.close();
    }

    private Assistant assistant(ScriptedChatModel model, Guard guard) {
        return AiServices.builder(Assistant.class)
                .chatModel(model)
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .outputGuardrails(new GuardReasonerOutputGuardrail(guard))
                .build();
    }

    @Test
    void vetoesHarmfulRequestBeforeTheModelRuns() {
        ScriptedChatModel model = ScriptedChatModel.answering(HARMFUL_ANSWER);

        assertThatThrownBy(() -> assistant(model, guard).chat(HARMFUL_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessage("The guardrail " + GuardReasonerInputGuardrail.class.getName() + " failed with this message: "
                        + "GuardReasoner blocked the request: the request was judged harmful (request=harmful)");
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void rewritesHarmfulAnswerWithSafeMessage() {
        ScriptedChatModel model = ScriptedChatModel.answering(HARMFUL_ANSWER);

        String answer = assistant(model, guard).chat("How do I unclog a drain?");

        assertThat(answer).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE).doesNotContain("step one");
        assertThat(backend.prompts()).last().asString().contains("sealed pipe");
    }

    @Test
    void passesBenignTurnUntouched() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);

        String answer = assistant(model, guard).chat(BENIGN_REQUEST);

        assertThat(answer).isEqualTo(HELPFUL_ANSWER);
        assertThat(model.requests()).hasSize(1);
        assertThat(model.requests().get(0).messages()).containsExactly(UserMessage.from(BENIGN_REQUEST));
        assertThat(backend.prompts()).hasSize(2);
    }

    @Test
    void repromptsOverRefusalThenReturnsTheHelpfulAnswer() {
        Guard reprompting = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();
        ScriptedChatModel model = ScriptedChatModel.answering(REFUSAL, HELPFUL_ANSWER);

        String answer = assistant(model, reprompting).chat(BENIGN_REQUEST);

        assertThat(answer).isEqualTo(HELPFUL_ANSWER);
        assertThat(model.requests()).hasSize(2);
        // Without chat memory LangChain4j re-asks with the reprompt alone, so it carries the request itself.
        String reprompt = ((UserMessage) model.requests().get(1).messages().getLast()).singleText();
        assertThat(reprompt).startsWith(RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE).contains(BENIGN_REQUEST);
    }

    @Test
    void repromptsWithinTheConversationWhenTheServiceHasMemory() {
        Guard reprompting = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();
        ScriptedChatModel model = ScriptedChatModel.answering(REFUSAL, HELPFUL_ANSWER);
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(model)
                .chatMemory(MessageWindowChatMemory.withMaxMessages(10))
                .outputGuardrails(new GuardReasonerOutputGuardrail(reprompting))
                .build();

        assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);

        List<ChatMessage> second = model.requests().get(1).messages();
        assertThat(second.getFirst()).isEqualTo(UserMessage.from(BENIGN_REQUEST));
        assertThat(((UserMessage) second.getLast()).singleText()).isEqualTo(RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE);
    }

    @Test
    void failsWhenEveryRepromptIsRefusedAgain() {
        Guard reprompting = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withRepromptOverRefusal(true)).build();
        ScriptedChatModel model = ScriptedChatModel.answering(REFUSAL);

        assertThatThrownBy(() -> assistant(model, reprompting).chat(BENIGN_REQUEST))
                .isInstanceOf(OutputGuardrailException.class)
                .hasMessageContaining("maximum number of retries")
                .hasMessageContaining("GuardReasoner asked for a new answer: " + RailPolicy.DEFAULT_OVER_REFUSAL_GUIDANCE
                        + " (request=unharmful, completion=refusal, response=unharmful)");
        // LangChain4j's default: the first answer and one retry (maxRetries 2 counts attempts).
        assertThat(model.requests()).hasSize(2);
    }

    @Test
    void blocksHarmfulAnswerWhenThePolicySaysBlock() {
        Guard blocking = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withOnHarmful(GuardAction.BLOCK)).build();

        assertThatThrownBy(() -> assistant(ScriptedChatModel.answering(HARMFUL_ANSWER), blocking).chat("How do I unclog a drain?"))
                .isInstanceOf(OutputGuardrailException.class)
                .hasMessageContaining("GuardReasoner blocked the response: the response was judged harmful "
                        + "(request=unharmful, completion=compliance, response=harmful)");
    }

    @Test
    void rewritesHarmfulRequestSoTheModelDeclinesPolitely() {
        Guard rewriting = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnHarmful(GuardAction.REWRITE)).build();
        ScriptedChatModel model = ScriptedChatModel.answering(REFUSAL);

        String answer = assistant(model, rewriting).chat(HARMFUL_REQUEST);

        assertThat(answer).isEqualTo(REFUSAL);
        assertThat(model.requests().get(0).messages())
                .containsExactly(UserMessage.from(RailPolicy.DEFAULT_INPUT_REWRITE));
    }

    @Test
    void annotatedGuardrailsUseTheDefaultGuard() {
        GuardReasoner.setDefault(guard);
        ScriptedChatModel model = ScriptedChatModel.answering(HARMFUL_ANSWER);
        AnnotatedAssistant assistant = AiServices.create(AnnotatedAssistant.class, model);

        assertThatThrownBy(() -> assistant.chat(HARMFUL_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("GuardReasoner blocked the request: the request was judged harmful (request=harmful)");
        assertThat(assistant.chat("How do I unclog a drain?")).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(backend.prompts()).hasSize(3);
    }

    @Test
    void annotatedGuardrailsFollowTheDefaultGuardSetAfterTheServiceWasBuilt() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
        AnnotatedAssistant assistant = AiServices.create(AnnotatedAssistant.class, model);

        assertThatThrownBy(() -> assistant.chat(BENIGN_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("No default GuardReasoner guard is set")
                .hasRootCauseInstanceOf(IllegalStateException.class);
        assertThat(model.requests()).isEmpty();

        GuardReasoner.setDefault(guard);
        assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
    }

    @Test
    void annotatedGuardrailsComeFromTheFirstClassInstanceFactoryWhenOneIsRegistered() {
        // A DI container's factory hands LangChain4j a configured instance; no default guard is involved.
        TestClassInstanceFactory.provide(GuardReasonerInputGuardrail.class,
                new GuardReasonerInputGuardrail(guard, VetoMode.FATAL));
        try {
            ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
            FactoryAssistant assistant = AiServices.create(FactoryAssistant.class, model);

            assertThatThrownBy(() -> assistant.chat(HARMFUL_REQUEST))
                    .isInstanceOf(InputGuardrailException.class)
                    .hasMessageContaining("GuardReasoner blocked the request");
            assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
            assertThat(backend.prompts()).hasSize(2);
        } finally {
            TestClassInstanceFactory.clear();
        }
    }

    @Test
    void judgesTheUsersWordsNotTheRetrievedDocuments() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(model)
                .contentRetriever(query -> List.of(Content.from("Archive note: a bomb disposal unit visited the bakery.")))
                .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                .build();

        assertThat(assistant.chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);

        assertThat(backend.prompts().getFirst()).contains(BENIGN_REQUEST).doesNotContain("bomb disposal");
        assertThat(((UserMessage) model.requests().getFirst().messages().getLast()).singleText())
                .contains(BENIGN_REQUEST).contains("bomb disposal");
    }

    @Test
    void failureVetoLetsLaterGuardrailsRunButFatalStopsThem() {
        AtomicInteger laterRuns = new AtomicInteger();
        InputGuardrail later = new InputGuardrail() {
            @Override
            public InputGuardrailResult validate(UserMessage userMessage) {
                laterRuns.incrementAndGet();
                return success();
            }
        };
        for (VetoMode mode : VetoMode.values()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(ScriptedChatModel.answering(HELPFUL_ANSWER))
                    .inputGuardrails(new GuardReasonerInputGuardrail(guard, mode), later)
                    .build();
            assertThatThrownBy(() -> assistant.chat(HARMFUL_REQUEST))
                    .as(mode.name())
                    .isInstanceOf(InputGuardrailException.class)
                    .hasMessageContaining("GuardReasoner blocked the request");
        }
        // FAILURE ran the later guardrail once; FATAL did not.
        assertThat(laterRuns).hasValue(1);
    }

    @Test
    void outputFailureVetoLetsLaterGuardrailsRunButFatalStopsThem() {
        Guard blocking = Guard.builder().backend(backend)
                .outputPolicy(RailPolicy.outputDefaults().withOnHarmful(GuardAction.BLOCK)).build();
        AtomicInteger laterRuns = new AtomicInteger();
        OutputGuardrail later = new OutputGuardrail() {
            @Override
            public OutputGuardrailResult validate(AiMessage responseFromLLM) {
                laterRuns.incrementAndGet();
                return success();
            }
        };
        for (VetoMode mode : VetoMode.values()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(ScriptedChatModel.answering(HARMFUL_ANSWER))
                    .outputGuardrails(new GuardReasonerOutputGuardrail(blocking, mode), later)
                    .build();
            assertThatThrownBy(() -> assistant.chat("How do I unclog a drain?"))
                    .as(mode.name())
                    .isInstanceOf(OutputGuardrailException.class)
                    .hasMessageContaining("GuardReasoner blocked the response: the response was judged harmful");
        }
        assertThat(laterRuns).hasValue(1);
    }

    @Test
    void backendFailureBecomesThePolicysDecision() {
        backend.failWith("connection refused by 127.0.0.1:8080");
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);

        // Default policy: fail closed on input (block).
        assertThatThrownBy(() -> assistant(model, guard).chat(BENIGN_REQUEST))
                .isInstanceOf(InputGuardrailException.class)
                .hasMessageContaining("GuardReasoner blocked the request: the guard failed (backend_error): "
                        + "scripted failed: connection refused by 127.0.0.1:8080 (no verdict: backend_error)");
        assertThat(model.requests()).isEmpty();

        // Fail open on input, rewrite on output: the user gets the safe message, never the unchecked answer.
        Guard failOpenInput = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnFailure(GuardAction.ALLOW)).build();
        assertThat(assistant(model, failOpenInput).chat(BENIGN_REQUEST)).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
        assertThat(model.requests()).hasSize(1);

        // Fail open on both rails: the answer passes.
        Guard failOpen = Guard.builder().backend(backend)
                .inputPolicy(RailPolicy.inputDefaults().withOnFailure(GuardAction.ALLOW))
                .outputPolicy(RailPolicy.outputDefaults().withOnFailure(GuardAction.ALLOW)).build();
        assertThat(assistant(model, failOpen).chat(BENIGN_REQUEST)).isEqualTo(HELPFUL_ANSWER);
    }

    @Test
    void outputRailJudgesTheUserMessageTheServiceSent() {
        ScriptedChatModel model = ScriptedChatModel.answering(HELPFUL_ANSWER);

        assistant(model, guard).chat(BENIGN_REQUEST);

        // The output prompt pairs the user's request with the model's answer.
        String outputPrompt = backend.prompts().getLast();
        assertThat(outputPrompt).contains(BENIGN_REQUEST).contains(HELPFUL_ANSWER);
    }
}
