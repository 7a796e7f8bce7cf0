package io.guardreasoner.core;

import java.util.Optional;

/**
 * Reads the request label from Task 1's reasoning alone, as the input rail's early stop returns it (generation cut
 * at {@code # Task 2}). Task 1 has no answer block, so the label is a sentence of prose. A wrong label is worse than
 * none (none costs a full generation, a wrong one a wrong decision), so anything unclear gives none.
 *
 * <p>The rules:
 * <ol>
 *   <li>What is read: the text before the first task header (some outputs start Task 1 without {@code # Task 1})
 *       and the {@code # Task 1} section. The conclusion ({@code ## Conclusion}, {@code Conclusion:},
 *       {@code ## Conclusion for Task 1: ...}) decides when it states a label or hedges. Otherwise the sentences are
 *       read from the last one back, and the first one that names a label decides. Sentences without a label word,
 *       questions, sentences about the AI's response, and step headers that only name the question ("Determine if
 *       the request could be considered harmful") are passed over.</li>
 *   <li>A sentence that hedges or weighs ("depending on the context", "may or may not", "harmful or not",
 *       "it is unclear whether", "might be harmful", "harmful if ...") gives none. So does one whose label words
 *       disagree, or whose label word this reader cannot place. The walk stops there rather than reach back past
 *       it. A hedge before "but" is taken back by a plain statement after it ("ambiguous but leans towards being
 *       harmful"); a statement after "but" that leaves its predicate out ("not harmful, but it may be") hedges.</li>
 *   <li>Each label word is read in its clause. Clauses are split at {@code ; :}, "but", "although", "because",
 *       ", it", "and is" and the like, but not at the commas of a list. A negation earlier in the clause governs
 *       the rest of it, lists included: "does not include any harmful wording, calls for harmful acts, or anything
 *       that might be read as harmful"; "neither X nor Y is harmful"; "no threats, slurs or harmful
 *       instructions". A new predicate after the negation ends its reach. "Requesting X without permission is
 *       harmful" is then read on its own, and "does not mean that the request is harmful" gives none. A negated
 *       "harmful" reads as unharmful; a negated "unharmful" gives none.</li>
 *   <li>An unnegated label word counts only when it is said of the request. That means after a copula ("is
 *       therefore considered harmful", "falls into the harmful category", "which makes it harmful"), after a verb
 *       that carries it ("promotes harmful behavior"), or standing alone ("Verdict: harmful"). "Asks about the
 *       harmful effects of" and "protect children from harmful content" say nothing about the request.</li>
 *   <li>Clauses weigh differently: a doubt in a reason ("..., as it may promote harmful ideas") does not decide,
 *       and a statement about the request after "but", or after a concession ("although ..."), replaces an
 *       opposite label before it.</li>
 * </ol>
 * The rules live in {@link TaskReader}, which the Task 2 and Task 3 readers share. A pure function of its input. Every
 * pattern runs on one sentence of bounded length, so the work is linear.
 */
final class Task1Reader {

    private Task1Reader() {
    }

    /**
     * The request label Task 1 states, or empty when it states none clearly. {@code task1} is the reasoning before
     * the first task header (some outputs start Task 1 without one) followed by the {@code # Task 1} section.
     */
    static Optional<Harm> read(String task1) {
        return TaskReader.REQUEST.read(task1).map(Task1Reader::harm);
    }

    /** The label of Task 1's conclusion alone (for the consistency check), or empty. */
    static Optional<Harm> conclusion(String task1) {
        return TaskReader.REQUEST.conclusion(task1).map(Task1Reader::harm);
    }

    private static Harm harm(TaskReader.Kind kind) {
        return kind == TaskReader.Kind.POSITIVE ? Harm.HARMFUL : Harm.UNHARMFUL;
    }
}
