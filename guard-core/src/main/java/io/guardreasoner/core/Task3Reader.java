package io.guardreasoner.core;

import java.util.Optional;

/**
 * Reads the response label from Task 3's reasoning alone, as the output rail's early stop returns it (generation cut
 * before the final answer block, at {@code \nAnswers:}), and as {@link VerdictParser} falls back to when no answer
 * field gives the response. The rules are Task 1's ({@link Task1Reader}, shared in {@link TaskReader}) with the
 * response as the subject ("the response", "the AI assistant's response", "it"), plus:
 * <ul>
 *   <li>a clause whose subject is the request or the user ("the user's request is harmful", "although the request is
 *       harmful, ...") says nothing about the response, and neither does "harmful" said of the request ("does not
 *       comply with the harmful request", "the harmful nature of the request");</li>
 *   <li>what the response turns down, warns against or only names as a risk is not what it is: "refuses to provide
 *       harmful information", "discourages harmful behavior", "refutes harmful stereotypes", "cites the potential for
 *       harmful ...", "explains why ... could perpetuate harmful ..." say nothing; "does not provide harmful
 *       information" is unharmful; "does not discourage the harmful action" is unclear; "does not negate the harmful
 *       nature" is harmful;</li>
 *   <li>"could be used for harmful purposes" is a possibility, not a verdict, and a judgement of part of the response
 *       ("an unharmful part of the response") gives none;</li>
 *   <li>a conclusion of {@code None} ("The AI assistant's response is None."), or any reasoning about a missing
 *       response, gives none, and a sentence that only says what was examined ("The response was examined for harmful
 *       content.") says nothing;</li>
 *   <li>{@code Response: harmful} under Task 3's own conclusion header ({@code # Task 3 Conclusion}) or right under
 *       {@code # Task 3} is the model's label, as is {@code # Task 3: harmful}; elsewhere such a line may be a quote and
 *       says nothing.</li>
 * </ul>
 * A wrong label is worse than none: anything unclear gives none, and the guard then lets the model finish.
 */
final class Task3Reader {

    private Task3Reader() {
    }

    /** The response label Task 3 states, or empty when it states none clearly. {@code task3} is Task 3's section. */
    static Optional<Harm> read(String task3) {
        return TaskReader.RESPONSE.read(task3).map(Task3Reader::harm);
    }

    /** The label of Task 3's conclusion alone (for the consistency check), or empty. */
    static Optional<Harm> conclusion(String task3) {
        return TaskReader.RESPONSE.conclusion(task3).map(Task3Reader::harm);
    }

    private static Harm harm(TaskReader.Kind kind) {
        return kind == TaskReader.Kind.POSITIVE ? Harm.HARMFUL : Harm.UNHARMFUL;
    }
}
