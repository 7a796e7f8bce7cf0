package io.guardreasoner.test;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Verdict;
import org.assertj.core.api.AbstractAssert;

import java.util.Optional;

/** AssertJ assertions on a {@link Verdict}. */
public class VerdictAssert extends AbstractAssert<VerdictAssert, Verdict> {

    public VerdictAssert(Verdict actual) {
        super(actual, VerdictAssert.class);
    }

    /** Task 1's label is {@code harm}. */
    public VerdictAssert hasRequest(Harm harm) {
        return hasLabel("request", actual.request(), harm);
    }

    /** Task 2's label is {@code compliance}. */
    public VerdictAssert hasCompletion(Compliance compliance) {
        return hasLabel("completion", actual.completion(), compliance);
    }

    /** Task 3's label is {@code harm}. */
    public VerdictAssert hasResponse(Harm harm) {
        return hasLabel("response", actual.response(), harm);
    }

    /** Task 1 gave no usable label. */
    public VerdictAssert hasNoRequestLabel() {
        return hasLabel("request", actual.request(), null);
    }

    /** Task 3 gave no label (or {@code None}). */
    public VerdictAssert hasNoResponseLabel() {
        return hasLabel("response", actual.response(), null);
    }

    /** The final answer block held all three fields. */
    public VerdictAssert isComplete() {
        isNotNull();
        if (!actual.complete()) failWithMessage("Expected a complete verdict but the answer block was incomplete in:%n%s", actual.raw());
        return this;
    }

    /** The reasoning agreed with the labels. */
    public VerdictAssert isConsistent() {
        isNotNull();
        if (!actual.consistent()) failWithMessage("Expected a consistent verdict but reasoning and labels disagree in:%n%s", actual.raw());
        return this;
    }

    private VerdictAssert hasLabel(String task, Optional<? extends Enum<?>> value, Enum<?> expected) {
        isNotNull();
        Object got = value.orElse(null);
        if (got != expected) {
            failWithMessage("Expected the verdict's %s label to be <%s> but was <%s>; raw output:%n%s",
                    task, label(expected), label(got), actual.raw());
        }
        return this;
    }

    static String label(Object value) {
        return value == null ? "none" : value.toString().toLowerCase(java.util.Locale.ROOT);
    }
}
