package io.guardreasoner.test;

import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link GuardBackend} that answers from a {@link GuardScript}, with no model and no HTTP, for unit tests.
 *
 * <p>It honours stop sequences and the token limit like a real backend. A "token" here is a run of non-space
 * characters with the spaces before it, which is close to what a Llama-3 tokenizer makes of English.
 * Every prompt is recorded.
 *
 * <p>Like an in-process backend, it reports what a stop sequence cut off ({@link Generation#cut()}: the stop sequence
 * and the rest of the token that wrote its end) and, when {@link GenerationOptions#topLogprobs()} asks for them, the
 * tokens of everything it wrote with their probabilities ({@link GuardScript#withProbability}). The default
 * {@link #resume} reaches the script as the prompt followed by that text, and gets the rest of the answer.
 */
public final class ScriptedGuardBackend implements GuardBackend {

    private static final Pattern TOKEN = Pattern.compile("\\s*\\S+|\\s+$");

    private final GuardScript script;
    private final String modelId;
    private final List<String> prompts = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failure;

    public ScriptedGuardBackend(GuardScript script) {
        this(script, "scripted/GuardReasoner");
    }

    public ScriptedGuardBackend(GuardScript script, String modelId) {
        this.script = script;
        this.modelId = modelId;
    }

    /** From now on every call throws a {@link GuardBackendException} with this message; null heals it. */
    public ScriptedGuardBackend failWith(String message) {
        this.failure = message == null ? null : new GuardBackendException(message);
        return this;
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        prompts.add(prompt);
        RuntimeException f = failure;
        if (f != null) throw f;
        GuardScript.Answer answer = script.answerTo(prompt);
        Generation generation = complete(answer.text(), options);
        if (options.topLogprobs() == 0) return generation;
        List<GeneratedToken> tokens = ScriptedTokens.upTo(
                ScriptedTokens.of(answer.text(), answer.labelProbability(), options.topLogprobs()),
                generation.written().length());
        return new Generation(generation.text(), generation.promptTokens(), generation.generatedTokens(),
                generation.finishReason(), generation.cut(), tokens);
    }

    /**
     * Applies stop sequences and the token limit to a full answer, as a model server would. The text a stop
     * sequence cut off is the stop sequence and the rest of the {@link ScriptedTokens token} that wrote its end.
     */
    public static Generation complete(String full, GenerationOptions options) {
        String text = full;
        String cut = "";
        Generation.FinishReason reason = Generation.FinishReason.END_OF_TEXT;
        int stopAt = -1;
        String stopped = null;
        for (String stop : options.stopSequences()) {
            int i = stop.isEmpty() ? -1 : text.indexOf(stop);
            if (i >= 0 && (stopAt < 0 || i < stopAt)) {
                stopAt = i;
                stopped = stop;
            }
        }
        if (stopAt >= 0) {
            text = full.substring(0, stopAt);
            int tokenEnd = ScriptedTokens.length(ScriptedTokens.upTo(
                    ScriptedTokens.of(full, 1, 1), stopAt + stopped.length()));
            cut = full.substring(stopAt, tokenEnd);
            reason = Generation.FinishReason.STOP_SEQUENCE;
        }
        Matcher m = TOKEN.matcher(text);
        int tokens = 0;
        int end = 0;
        while (m.find()) {
            if (tokens == options.maxTokens()) {
                text = text.substring(0, end);
                cut = "";
                reason = Generation.FinishReason.LENGTH;
                break;
            }
            tokens++;
            end = m.end();
        }
        return new Generation(text, java.util.OptionalInt.empty(), java.util.OptionalInt.of(tokens), reason, cut,
                List.of());
    }

    /** Tokens in {@code text} as this backend and the stub server count them (close to Llama-3 on English). */
    public static int countTokens(String text) {
        Matcher m = TOKEN.matcher(text);
        int tokens = 0;
        while (m.find()) tokens++;
        return tokens;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String name() {
        return "scripted";
    }

    /** Every prompt received, in order. */
    public List<String> prompts() {
        return List.copyOf(prompts);
    }
}
