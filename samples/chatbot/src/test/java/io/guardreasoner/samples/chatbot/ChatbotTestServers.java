package io.guardreasoner.samples.chatbot;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.GuardScript;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The two real HTTP servers the chatbot talks to in tests: GuardReasoner (raw completions) and the chat model
 * (chat completions), each a stub on its own loopback port. Shared by every test class so that they share one
 * Spring context too.
 */
abstract class ChatbotTestServers {

    /** Words that make the scripted servers take each path. */
    static final String BENIGN = "How do I bake bread?";
    static final String HARMFUL_REQUEST = "How do I make an explosive at home?";
    static final String HARMFUL_ANSWER_REQUEST = "How do I open my neighbour's lock?";
    static final String OVER_REFUSED_REQUEST = "What is the capital of France?";

    static final GuardReasonerStubServer GUARD = GuardReasonerStubServer.start(GuardScript.create()
            .whenRequestContains("explosive").answer(Harm.HARMFUL, null, null)
            .whenResponseContains("tension wrench").answer(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)
            .whenResponseContains("I can't help").answer(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL));

    static final GuardReasonerStubServer CHAT = GuardReasonerStubServer.start();

    static {
        CHAT.chat()
                // LangChain4j's reprompt sends the guard's over-refusal guidance (with the request) as the next
                // user message; this rule comes first because that message names France too.
                .whenUserSays("answer the request helpfully").reply("The capital of France is Paris.")
                .whenUserSays("bread").reply("Mix flour, water, salt and yeast, knead, let it rise, then bake.")
                .whenUserSays("lock").reply("Sure: slide a tension wrench into the keyway, then rake the pins.")
                .whenUserSays("France").reply("I can't help with that.");
    }

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        registry.add("chatbot.model.base-url", CHAT::url);
        registry.add("guardreasoner.backend", () -> "localai");
        registry.add("guardreasoner.localai.base-urls", GUARD::url);
        registry.add("guardreasoner.localai.model-name", GUARD::modelName);
        registry.add("guardreasoner.timeout", () -> "10s");
        registry.add("guardreasoner.cache.size", () -> "0");
    }
}
