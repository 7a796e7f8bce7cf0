package io.guardreasoner.test;

import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

import java.util.function.Supplier;

/**
 * Things from outside the repository that some tests need: a browser, the Llama-3 tokenizer file, the published
 * GuardReasoner outputs. On a developer's clone a missing one skips the test with a message; under {@code CI=true}
 * it fails the test, so that a CI run whose install step broke cannot pass by skipping.
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /**
     * Returns when {@code present}; otherwise skips the calling test with {@code what} (or fails it under
     * {@code CI=true}).
     *
     * @param what what is missing and how to get it, e.g. "Chromium not found: apt-get install chromium"
     */
    public static void require(boolean present, Supplier<String> what) {
        if (present) return;
        String message = what.get();
        if (strict()) {
            throw new AssertionFailedError(message + " (CI=true: a missing test prerequisite fails the run; "
                    + ".ci/run installs it)");
        }
        Assumptions.abort(message + " (skipping; under CI=true this fails)");
    }

    /** True under {@code CI=true}, when missing prerequisites fail instead of skipping. */
    public static boolean strict() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
