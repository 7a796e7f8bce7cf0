package io.guardreasoner.langchain4j;

import io.guardreasoner.core.Guard;

import java.util.Objects;

/**
 * Holds the default guard that annotation-declared guardrails use.
 *
 * <p>LangChain4j creates the classes named in {@code @InputGuardrails} / {@code @OutputGuardrails} itself (with the
 * first ServiceLoader {@code ClassInstanceFactory}, else the no-arg constructor), so it cannot hand them a
 * {@link Guard}. Their no-arg constructors look the default guard up here, at each check:
 *
 * <pre>{@code
 * GuardReasoner.setDefault(Guard.builder().backend(backend).build());
 * Assistant assistant = AiServices.create(Assistant.class, chatModel); // @InputGuardrails(GuardReasonerInputGuardrail.class)
 * }</pre>
 */
public final class GuardReasoner {

    private static volatile Guard defaultGuard;

    private GuardReasoner() {
    }

    /** Sets the guard that guardrails made with their no-arg constructor use from their next check on. */
    public static void setDefault(Guard guard) {
        defaultGuard = Objects.requireNonNull(guard, "guard must not be null; use clearDefault() to unset it");
    }

    /** The default guard. */
    public static Guard defaultGuard() {
        Guard guard = defaultGuard;
        if (guard == null) {
            throw new IllegalStateException("No default GuardReasoner guard is set. Call GuardReasoner.setDefault("
                    + "Guard.builder().backend(...).build()) once at start-up before the first guarded call, "
                    + "or give the guardrail its guard: new GuardReasonerInputGuardrail(guard).");
        }
        return guard;
    }

    /** Unsets the default guard (it is not closed). */
    public static void clearDefault() {
        defaultGuard = null;
    }
}
