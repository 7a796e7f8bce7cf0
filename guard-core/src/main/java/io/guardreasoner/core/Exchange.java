package io.guardreasoner.core;

import java.util.Objects;
import java.util.Optional;

/**
 * What the guard judges: a human request and, optionally, the AI assistant's response to it.
 *
 * @param request  the human user's text, never null (it may be empty)
 * @param response the AI assistant's text; empty means "no response", which the prompt writes as {@code None}
 */
public record Exchange(String request, Optional<String> response) {

    public Exchange {
        Objects.requireNonNull(request, "request must not be null; pass \"\" for an empty message");
        Objects.requireNonNull(response, "response must not be null; use Optional.empty() for no response");
    }

    /** A request alone, as the input rail sees it. */
    public static Exchange request(String request) {
        return new Exchange(request, Optional.empty());
    }

    /** A request with the AI assistant's response, as the output rail sees it. */
    public static Exchange of(String request, String response) {
        return new Exchange(request, Optional.of(Objects.requireNonNull(response, "response")));
    }

    /** True when there is an AI response to judge. */
    public boolean hasResponse() {
        return response.isPresent();
    }
}
