package io.guardreasoner.samples.chatbot;

import dev.langchain4j.guardrail.GuardrailException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

/** {@code POST /api/chat}: one guarded turn. A vetoed turn is a normal 200 reply with {@code blocked: true}. */
@RestController
class ChatController {

    /** Longer messages are refused before they reach the guard or the model. */
    static final int MAX_MESSAGE_CHARS = 8_000;

    private static final Logger LOG = LoggerFactory.getLogger(ChatController.class);

    private final Assistant assistant;
    private final TurnRecorder recorder;
    private final ChatbotProperties properties;

    ChatController(Assistant assistant, TurnRecorder recorder, ChatbotProperties properties) {
        this.assistant = assistant;
        this.recorder = recorder;
        this.properties = properties;
    }

    /** The request body: the user's message. */
    record ChatRequest(String message) { }

    @PostMapping("/api/chat")
    ResponseEntity<?> chat(@RequestBody ChatRequest request) {
        String message = request == null ? null : request.message();
        if (message == null || message.isBlank()) {
            return error(HttpStatus.BAD_REQUEST, "message is required: send {\"message\": \"...\"}");
        }
        if (message.length() > MAX_MESSAGE_CHARS) {
            return error(HttpStatus.BAD_REQUEST, "message is too long: " + message.length() + " characters, at most "
                    + MAX_MESSAGE_CHARS);
        }
        try (TurnRecorder.Turn turn = recorder.begin()) {
            String reply;
            boolean vetoed = false;
            try {
                reply = assistant.chat(message);
            } catch (GuardrailException e) {
                LOG.info("turn vetoed by the guard: {}", e.getMessage());
                reply = properties.refusal();
                vetoed = true;
            } catch (RuntimeException e) {
                LOG.warn("the chat model failed", e);
                return error(HttpStatus.BAD_GATEWAY, "the chat model did not answer: " + e.getMessage());
            }
            return ResponseEntity.ok(ChatTurn.of(reply, vetoed, turn.assessments()));
        }
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<?> unreadable(HttpMessageNotReadableException e) {
        return error(HttpStatus.BAD_REQUEST, "the body must be JSON like {\"message\": \"...\"}");
    }

    private static ResponseEntity<?> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).body(Map.of("error", message));
    }
}
