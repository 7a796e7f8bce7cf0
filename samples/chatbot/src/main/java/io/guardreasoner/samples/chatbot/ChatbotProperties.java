package io.guardreasoner.samples.chatbot;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The chatbot's own model and messages, under {@code chatbot.*}.
 *
 * @param model   the chat model behind an OpenAI-compatible URL
 * @param refusal what the user reads when the guard vetoes a turn
 */
@ConfigurationProperties("chatbot")
public record ChatbotProperties(@DefaultValue Model model,
                                @DefaultValue("Sorry, I can't help with that. Feel free to ask me something else.")
                                String refusal) {

    /**
     * The chat model.
     *
     * @param baseUrl     the server's OpenAI-compatible base URL, ending in /v1
     * @param name        the model name the server knows
     * @param timeout     how long one answer may take
     * @param temperature sampling temperature
     */
    public record Model(@DefaultValue("http://localhost:8080/v1") String baseUrl,
                        @DefaultValue("llama-3.2-1b-instruct") String name,
                        @DefaultValue("120s") Duration timeout,
                        @DefaultValue("0.2") double temperature) {
    }
}
