package io.guardreasoner.spring.stub;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.localai.LocalAiChatModel;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** A small application on the real auto-configuration: the starter, langchain4j-spring-boot-starter, Actuator. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class StubbedApplication {

    /** The application's own chat model, at a URL from its properties. */
    @Bean
    ChatModel chatModel(@Value("${app.chat.base-url}") String baseUrl) {
        return LocalAiChatModel.builder().baseUrl(baseUrl).modelName("chat").maxRetries(0).build();
    }
}
