package io.guardreasoner.samples.chatbot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** A chatbot whose every turn GuardReasoner checks twice: the user's message, then the model's answer. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ChatbotApplication {

    public static void main(String[] args) {
        SpringApplication.run(ChatbotApplication.class, args);
    }
}
