package io.guardreasoner.core;

import java.util.Optional;

/** A label GuardReasoner writes for one task: {@link Harm} or {@link Compliance}. */
public sealed interface Label permits Harm, Compliance {

    /** The label exactly as the model writes it, in lower case. */
    String label();

    /** The label of a task, or {@code none} when the verdict has none: the form messages, logs and JSON use. */
    static String orNone(Optional<? extends Label> label) {
        return label.map(Label::label).orElse("none");
    }
}
