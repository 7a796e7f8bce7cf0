package io.guardreasoner.test;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * What a scripted GuardReasoner answers, chosen by rules over the exchange in the prompt.
 *
 * <p>Rules are tried in the order they were added; the first that matches answers. Then come recorded outputs
 * ({@link #replay(Path)}): an exchange found there gets the model's real {@code predict} text. With neither, the
 * default answer is {@code unharmful, compliance, unharmful} (with {@code None} for the response fields when the
 * prompt has no response). Shared by {@link ScriptedGuardBackend} and {@link GuardReasonerStubServer}, so both
 * answer alike. Safe to change while a server answers from it.
 *
 * <pre>{@code
 * GuardScript script = GuardScript.create()
 *         .whenRequestContains("bomb").answer(Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)
 *         .whenResponseContains("I can't").answer(Harm.UNHARMFUL, Compliance.REFUSAL, Harm.UNHARMFUL);
 * }</pre>
 */
public final class GuardScript {

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<RecordedOutput.Key, String> recordings = new ConcurrentHashMap<>();

    private GuardScript() {
    }

    /** A script with no rules: every exchange gets the default answer. */
    public static GuardScript create() {
        return new GuardScript();
    }

    /** Starts a rule for exchanges that match {@code condition}. */
    public When when(Predicate<Exchange> condition) {
        return new When(Objects.requireNonNull(condition, "condition"));
    }

    /** Starts a rule for requests that contain {@code text}, ignoring case. */
    public When whenRequestContains(String text) {
        String needle = text.toLowerCase(java.util.Locale.ROOT);
        return when(e -> e.request().toLowerCase(java.util.Locale.ROOT).contains(needle));
    }

    /** Starts a rule for responses that contain {@code text}, ignoring case. */
    public When whenResponseContains(String text) {
        String needle = text.toLowerCase(java.util.Locale.ROOT);
        return when(e -> e.response().map(r -> r.toLowerCase(java.util.Locale.ROOT).contains(needle)).orElse(false));
    }

    /** The raw text the scripted model generates for a full prompt. */
    public String answer(String prompt) {
        Exchange exchange = GuardPrompt.parse(prompt).orElse(null);
        if (exchange == null) {
            return "I cannot classify this input: it is not a GuardReasoner prompt.";
        }
        return answer(exchange);
    }

    /** The raw text the scripted model generates for an exchange. */
    public String answer(Exchange exchange) {
        for (Rule rule : rules) {
            if (rule.condition.test(exchange)) return rule.output;
        }
        String recorded = recordings.get(RecordedOutput.Key.of(exchange));
        if (recorded != null) return recorded;
        return exchange.hasResponse()
                ? GuardReasonerOutputs.format(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL)
                : GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null);
    }

    /** Adds a rule that answers with a raw text, e.g. one published output. */
    public GuardScript rule(Predicate<Exchange> condition, String rawOutput) {
        rules.add(new Rule(condition, rawOutput));
        return this;
    }

    /**
     * Answers every exchange found in a JSON Lines file of recorded outputs (the layout of the shared
     * {@code generated_predictions.jsonl}: {@code prompt}, {@code label}, {@code predict}) with its {@code predict}.
     * Matching is on the human request and the AI response parsed out of {@code prompt}, so either prompt layout
     * finds it. The first recording of an exchange wins; rules added in code win over recordings.
     */
    public GuardScript replay(Path jsonl) {
        return replay(RecordedOutput.readAll(jsonl));
    }

    /** Answers each recorded exchange with its recorded output; see {@link #replay(Path)}. */
    public GuardScript replay(List<RecordedOutput> outputs) {
        for (RecordedOutput output : outputs) record(output.exchange(), output.predict());
        return this;
    }

    /** Answers this exchange with this raw output, unless an earlier recording or a rule already covers it. */
    public GuardScript record(Exchange exchange, String rawOutput) {
        recordings.putIfAbsent(RecordedOutput.Key.of(exchange), Objects.requireNonNull(rawOutput, "rawOutput"));
        return this;
    }

    /** The recorded output for an exchange, if one was replayed. */
    public Optional<String> recordingFor(Exchange exchange) {
        return Optional.ofNullable(recordings.get(RecordedOutput.Key.of(exchange)));
    }

    /** How many distinct exchanges have a recorded output. */
    public int recordingCount() {
        return recordings.size();
    }

    private record Rule(Predicate<Exchange> condition, String output) { }

    /** The second half of a rule: what to answer. */
    public final class When {
        private final Predicate<Exchange> condition;

        private When(Predicate<Exchange> condition) {
            this.condition = condition;
        }

        /** Answer with these labels, in GuardReasoner's real format; null writes {@code None}. */
        public GuardScript answer(Harm request, Compliance completion, Harm response) {
            return rule(condition, GuardReasonerOutputs.format(request, completion, response));
        }

        /** Answer with this exact text. */
        public GuardScript reply(String rawOutput) {
            return rule(condition, Objects.requireNonNull(rawOutput, "rawOutput"));
        }
    }
}
