package io.guardreasoner.core;

import java.util.Optional;

/**
 * Reads the completion label (refusal or compliance) from Task 2's reasoning alone, as the output rail's early stop
 * returns it, and as {@link VerdictParser} falls back to when no answer field gives the completion. The rules are Task
 * 1's ({@link Task1Reader}, shared in {@link TaskReader}) with the assistant's response as the subject, and:
 * <ul>
 *   <li>label words are the nouns ("a refusal", "compliance", "non-compliance") and the verbs ("refuses",
 *       "declines", "rejects", "complies"); a verb counts when the assistant or its response does it ("the assistant
 *       refuses", "and complies", "by refusing", "is complying"), a noun when it is predicated ("is a refusal",
 *       "indicating compliance", "offers compliance") or the assistant's own ("explaining its refusal");</li>
 *   <li>a negated refusal is compliance: "does not refuse", "is not a refusal", "instead of refusing"; a negated act of
 *       complying is a refusal: "does not comply", "rather than complying", "neither complies nor ...". "Refuses to
 *       comply" and "a refusal to comply" are refusals. "Not compliance" is a refusal when said of the response by
 *       name ("the response is not compliance"); of an unnamed "it" or "this" it gives none (GuardReasoner writes
 *       "it cannot be considered compliance" of a missing response);</li>
 *   <li>a partial answer gives none, even with a plain statement after "but": "a partial refusal", "does not fully
 *       comply", "complies with the rest", "both a refusal and compliance", "a form of refusal", "an initial refusal",
 *       "to some extent";</li>
 *   <li>what someone wants or the assistant should do ("the user wants it to comply", "should have refused"), the
 *       user's own acts, how to refuse something, and other senses of the words ("compliance with the law", "complies
 *       with safety guidelines") say nothing;</li>
 *   <li>reasoning about a missing response gives none; {@code Completion: refusal} counts under Task 2's own
 *       conclusion header or task header only, as does {@code # Task 2: refusal}.</li>
 * </ul>
 * A wrong label is worse than none: anything unclear gives none.
 */
final class Task2Reader {

    private Task2Reader() {
    }

    /** The completion label Task 2 states, or empty when it states none clearly. {@code task2} is Task 2's section. */
    static Optional<Compliance> read(String task2) {
        return TaskReader.COMPLETION.read(task2).map(Task2Reader::compliance);
    }

    /** The label of Task 2's conclusion alone (for the consistency check), or empty. */
    static Optional<Compliance> conclusion(String task2) {
        return TaskReader.COMPLETION.conclusion(task2).map(Task2Reader::compliance);
    }

    private static Compliance compliance(TaskReader.Kind kind) {
        return kind == TaskReader.Kind.POSITIVE ? Compliance.REFUSAL : Compliance.COMPLIANCE;
    }
}
