package io.guardreasoner.samples.chatbot;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.localai.LocalAiChatModel;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The chat model the assistant talks to: any server with OpenAI's chat completions API (LocalAI, llama.cpp, vLLM). */
@Configuration(proxyBeanMethods = false)
class ChatModelConfiguration {

    @Bean
    ChatModel chatModel(ChatbotProperties properties) {
        ChatbotProperties.Model model = properties.model();
        return LocalAiChatModel.builder()
                .baseUrl(model.baseUrl())
                .modelName(model.name())
                .timeout(model.timeout())
                .temperature(model.temperature())
                .maxRetries(1)
                .build();
    }
}
