package io.guardreasoner.langchain4j;

import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link GuardBackend} over a {@link GuardScript} whose input checks can be held until a test releases them,
 * so a test decides whether the input verdict comes before or after the chat model's answer. It records every
 * prompt prefix offered to {@link #prefill}.
 */
final class GatedGuardBackend implements GuardBackend {

    private final ScriptedGuardBackend scripted;
    private final List<String> prefills = new CopyOnWriteArrayList<>();
    private final CountDownLatch inputStarted = new CountDownLatch(1);
    private volatile CountDownLatch inputGate;

    GatedGuardBackend(GuardScript script) {
        this.scripted = new ScriptedGuardBackend(script);
    }

    /** From now on input checks wait for {@link #releaseInput()}. */
    GatedGuardBackend holdInput() {
        inputGate = new CountDownLatch(1);
        return this;
    }

    /** Lets the held input checks (and later ones) answer. */
    void releaseInput() {
        CountDownLatch gate = inputGate;
        if (gate != null) gate.countDown();
    }

    /** Waits until an input check has reached the backend. */
    void awaitInputCheck() throws InterruptedException {
        if (!inputStarted.await(10, TimeUnit.SECONDS)) throw new AssertionError("no input check reached the guard");
    }

    /** Makes every later call fail, as a server that went down. */
    void failWith(String message) {
        scripted.failWith(message);
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        if (isInputCheck(prompt)) {
            inputStarted.countDown();
            CountDownLatch gate = inputGate;
            if (gate != null) {
                try {
                    if (!gate.await(10, TimeUnit.SECONDS)) throw new AssertionError("the test never released the input check");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while held", e);
                }
            }
        }
        return scripted.generate(prompt, options);
    }

    @Override
    public void prefill(String promptPrefix) {
        prefills.add(promptPrefix);
    }

    static boolean isInputCheck(String prompt) {
        return prompt.contains("\n\nAI assistant:\nNone\n\n");
    }

    /** Every prompt generated for, in order. */
    List<String> prompts() {
        return scripted.prompts();
    }

    /** The output-rail prompts, in order. */
    List<String> outputPrompts() {
        return scripted.prompts().stream().filter(p -> !isInputCheck(p)).toList();
    }

    /** Every prefix offered to prefill, in order. */
    List<String> prefills() {
        return List.copyOf(prefills);
    }

    @Override
    public String modelId() {
        return "gated/GuardReasoner";
    }
}
