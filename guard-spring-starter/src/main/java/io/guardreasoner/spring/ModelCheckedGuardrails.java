package io.guardreasoner.spring;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrailRequest;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.guardrail.OutputGuardrailRequest;
import dev.langchain4j.guardrail.OutputGuardrailResult;
import io.guardreasoner.core.Guard;
import io.guardreasoner.langchain4j.GuardReasonerInputGuardrail;
import io.guardreasoner.langchain4j.GuardReasonerOutputGuardrail;
import io.guardreasoner.langchain4j.VetoMode;

import java.util.function.Supplier;

/**
 * The guardrail beans when the starter has wrapped the chat models ({@link GuardedChatModelsPostProcessor}): the
 * wrapped models check the rail themselves, so the guardrail passes what it is given instead of checking it twice.
 * An input guardrail runs before the model is called and cannot know a check is coming, so it is the one that gives
 * way.
 */
final class ModelCheckedGuardrails {

    private ModelCheckedGuardrails() {
    }

    /** Passes every request: the guarded chat model checks it in parallel with the answer. */
    static final class Input extends GuardReasonerInputGuardrail {
        Input(Supplier<Guard> guard, VetoMode vetoMode) {
            super(guard, vetoMode);
        }

        @Override
        public InputGuardrailResult validate(InputGuardrailRequest request) {
            return success();
        }

        @Override
        public InputGuardrailResult validate(UserMessage userMessage) {
            return success();
        }
    }

    /** Passes every answer: the guarded chat model has judged it (and its tool calls) before handing it on. */
    static final class Output extends GuardReasonerOutputGuardrail {
        Output(Supplier<Guard> guard, VetoMode vetoMode) {
            super(guard, vetoMode);
        }

        @Override
        public OutputGuardrailResult validate(OutputGuardrailRequest request) {
            return success();
        }

        @Override
        public OutputGuardrailResult validate(AiMessage responseFromLLM) {
            return success();
        }
    }
}
