package io.guardreasoner.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The model's confidence in each label of a verdict, read from the token probabilities its backend reported; a task
 * is empty when the backend reports none or the label's token could not be found, never a guess.
 */
public record Confidence(Optional<LabelConfidence> request, Optional<LabelConfidence> completion,
                         Optional<LabelConfidence> response) {

    /** No confidence at all: the backend reported no token probabilities. */
    public static final Confidence NONE = new Confidence(Optional.empty(), Optional.empty(), Optional.empty());

    public Confidence {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(completion, "completion");
        Objects.requireNonNull(response, "response");
    }

    /** True when no task has a confidence. */
    public boolean isEmpty() {
        return request.isEmpty() && completion.isEmpty() && response.isEmpty();
    }
}
