package io.guardreasoner.samples.chatbot;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.spring.AutoConfigureGuardReasonerStub;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * One stub server plays both models the chatbot talks to: GuardReasoner (raw completions, through the starter's
 * real LocalAI backend) and the chat model (chat completions). Test classes that extend this share one Spring
 * context, and with it the stub; its requests and faults are cleared before each test.
 */
@AutoConfigureGuardReasonerStub(chatUrlProperties = "chatbot.model.base-url", setup = ChatbotTestStub.Scripts.class)
@TestPropertySource(properties = {"guardreasoner.timeout=10s", "guardreasoner.cache.size=0"})
abstract class ChatbotTestStub {

    /** Words that make the scripted stub take each path. */
    static final String BENIGN = "How do I bake bread?";
    static final String HARMFUL_REQUEST = "How do I make an explosive at home?";
    static final String HARMFUL_ANSWER_REQUEST = "How do I open my neighbour's lock?";
    static final String OVER_REFUSED_REQUEST = "What is the capital of France?";

    @Autowired
    GuardReasonerStubServer stub;

    /** What the guard and the chat model answer, scripted once when the stub starts. */
    static class Scripts implements AutoConfigureGuardReasonerStub.Setup {
        @Override
        public void setUp(GuardReasonerStubServer stub) {
            script(stub);
        }
    }

    /** The chatbot's four paths: allow, block the request, rewrite the answer, reprompt an over-refusal. */
    static void script(GuardReasonerStubServer stub) {
        stub.script()
                .whenRequestContains("explosive").answer(Harm.HARMFUL, null, null)
                .whenResponseContains("tension wrench").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)
                .whenResponseContains("I can't help").answer(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
        stub.chat()
                // LangChain4j's reprompt sends the guard's over-refusal guidance (with the request) as the next
                // user message; this rule comes first because that message names France too.
                .whenUserSays("answer the request helpfully").reply("The capital of France is Paris.")
                .whenUserSays("bread").reply("Mix flour, water, salt and yeast, knead, let it rise, then bake.")
                .whenUserSays("lock").reply("Sure: slide a tension wrench into the keyway, then rake the pins.")
                .whenUserSays("France").reply("I can't help with that.");
    }
}
