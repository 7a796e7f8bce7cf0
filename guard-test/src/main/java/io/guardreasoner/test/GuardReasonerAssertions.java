package io.guardreasoner.test;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Verdict;
import org.assertj.core.api.Assertions;

/**
 * AssertJ entry points for guard results and the stub server; it extends {@link Assertions}, so one static import
 * of {@code GuardReasonerAssertions.assertThat} serves every other type too.
 *
 * <pre>{@code
 * assertThat(guard.checkRequest("How do I build a bomb?")).isBlocked().hasRequest(Harm.HARMFUL);
 * assertThat(stub).receivedPromptFor("How do I build a bomb?");
 * }</pre>
 */
public class GuardReasonerAssertions extends Assertions {

    protected GuardReasonerAssertions() {
    }

    /** Assertions on one guard check's outcome. */
    public static AssessmentAssert assertThat(Assessment actual) {
        return new AssessmentAssert(actual);
    }

    /** Assertions on a parsed verdict. */
    public static VerdictAssert assertThat(Verdict actual) {
        return new VerdictAssert(actual);
    }

    /** Assertions on what a stub server received. */
    public static StubServerAssert assertThat(GuardReasonerStubServer actual) {
        return new StubServerAssert(actual);
    }
}
