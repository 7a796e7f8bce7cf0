package io.guardreasoner.test;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.core.Label;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.core.VerdictParser;

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
 * <p>A prompt that is an earlier prompt followed by the start of its answer gets the rest of that answer, as a model
 * continuing its own text would ({@link io.guardreasoner.core.GuardBackend#resume}); followed by a cut Task 1 and the
 * start of an answer block ({@code ---\n\nAnswers: \nRequest:}, the guard's label probe) it gets the rest of the
 * answer block its full answer ends in.
 *
 * <p>Token probabilities, for backends that report them: every token of an answer has probability 1, except the
 * labels of a rule given {@link #withProbability}.
 *
 * <pre>{@code
 * GuardScript script = GuardScript.create()
 *         .whenRequestContains("bomb").answer(Harm.HARMFUL, Compliance.COMPLIANCE, Harm.HARMFUL)
 *         .whenRequestContains("knife").answer(Harm.UNHARMFUL, null, null).withProbability(0.6)
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

    /**
     * The raw text the scripted model generates after a prompt: the answer to a whole GuardReasoner prompt, or the
     * rest of an answer that the prompt already holds the start of (see the class comment).
     */
    public String answer(String prompt) {
        return answerTo(prompt).text();
    }

    /** The raw text the scripted model generates for an exchange. */
    public String answer(Exchange exchange) {
        return answerTo(exchange).text();
    }

    /** What the scripted model writes after a prompt, and the probability it gives the labels it writes. */
    record Answer(String text, double labelProbability) {

        /** The part of this answer after its first {@code written} characters. */
        Answer after(int written) {
            return new Answer(text.substring(written), labelProbability);
        }
    }

    /** The text that starts the guard's label probe after a cut Task 1 (what {@code Guard} writes). */
    private static final String PROBE_BLOCK = "Answers: \nRequest:";
    private static final String PROBE_RULE = "---\n\n";
    private static final String HUMAN_MARKER = "Human user:\n";
    private static final String DEFAULT_REQUEST_ANSWER = GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null);
    private static final String DEFAULT_EXCHANGE_ANSWER =
            GuardReasonerOutputs.format(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL);
    private static final String ASSISTANT_MARKER = "\n\nAI assistant:\n";

    Answer answerTo(String prompt) {
        Optional<Exchange> whole = GuardPrompt.parse(prompt);
        if (whole.isPresent()) return answerTo(whole.get());
        Answer rest = continuation(prompt);
        return rest != null ? rest : new Answer("I cannot classify this input: it is not a GuardReasoner prompt.", 1);
    }

    Answer answerTo(Exchange exchange) {
        for (Rule rule : rules) {
            if (rule.condition.test(exchange)) return new Answer(rule.output, rule.labelProbability);
        }
        String recorded = recordings.get(RecordedOutput.Key.of(exchange));
        if (recorded != null) return new Answer(recorded, 1);
        return new Answer(exchange.hasResponse() ? DEFAULT_EXCHANGE_ANSWER : DEFAULT_REQUEST_ANSWER, 1);
    }

    /**
     * The rest of an answer for a prompt that is a whole prompt followed by text the model wrote: the split is the
     * blank line after the response whose exchange's answer starts with what follows it (or, for the label probe,
     * starts with what precedes the probe's answer block). Null when no split fits.
     */
    private Answer continuation(String prompt) {
        int human = prompt.indexOf(HUMAN_MARKER);
        if (human < 0) return null;
        // Neither side can hold the marker (GuardPrompt neutralizes it), so its first occurrence is the real one.
        int assistant = prompt.indexOf(ASSISTANT_MARKER, human + HUMAN_MARKER.length());
        if (assistant < 0) return null;
        for (int blank = prompt.indexOf("\n\n", assistant + ASSISTANT_MARKER.length()); blank >= 0;
             blank = prompt.indexOf("\n\n", blank + 1)) {
            int split = blank + 2;
            if (split >= prompt.length()) break;
            String written = prompt.substring(split);
            String answerStart = probeStart(written);
            // Only a split after which some answer goes on is asked of the rules: they see no made-up exchange.
            if (!someAnswerStartsWith(written) && (answerStart == null || !someAnswerStartsWith(answerStart))) continue;
            Optional<Exchange> exchange = GuardPrompt.parse(prompt.substring(0, split));
            if (exchange.isEmpty()) continue;
            Answer full = answerTo(exchange.get());
            if (full.text().startsWith(written)) return full.after(written.length());
            if (answerStart != null && full.text().startsWith(answerStart)) return probe(full);
        }
        return null;
    }

    /** Whether a rule, a recording or the default answer starts with {@code text}. */
    private boolean someAnswerStartsWith(String text) {
        if (DEFAULT_REQUEST_ANSWER.startsWith(text) || DEFAULT_EXCHANGE_ANSWER.startsWith(text)) return true;
        for (Rule rule : rules) if (rule.output.startsWith(text)) return true;
        for (String recorded : recordings.values()) if (recorded.startsWith(text)) return true;
        return false;
    }

    /**
     * For the label probe's prompt, the part of the answer it holds before {@code ---\n\nAnswers: \nRequest:}
     * (a cut Task 1); null for any other text.
     */
    private static String probeStart(String written) {
        if (!written.endsWith(PROBE_BLOCK)) return null;
        String task1 = written.substring(0, written.length() - PROBE_BLOCK.length());
        return task1.endsWith(PROBE_RULE) ? task1.substring(0, task1.length() - PROBE_RULE.length()) : task1;
    }

    /** The label probe's answer: the rest of the answer block the full answer's verdict gives. */
    private static Answer probe(Answer full) {
        Verdict verdict = VerdictParser.standard().parse(full.text());
        return new Answer(" " + label(verdict.request()) + "\nCompletion: " + label(verdict.completion())
                + "\nResponse: " + label(verdict.response()) + "\n", full.labelProbability());
    }

    private static String label(Optional<? extends Label> label) {
        return label.map(Label::label).orElse("None");
    }

    /** Adds a rule that answers with a raw text, e.g. one published output. */
    public GuardScript rule(Predicate<Exchange> condition, String rawOutput) {
        rules.add(new Rule(condition, rawOutput, 1));
        return this;
    }

    /**
     * Gives the labels the rule added last writes this probability (at the token of each label that ends a
     * conclusion or an answer field), and the other label of the same task the rest, as the model's second choice,
     * for backends that report token probabilities. The label written stays the rule's. Default 1.
     *
     * @param probability in (0, 1]
     */
    public GuardScript withProbability(double probability) {
        if (!(probability > 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be in (0, 1], was " + probability);
        }
        if (rules.isEmpty()) throw new IllegalStateException("withProbability applies to the rule added last; add one first");
        int last = rules.size() - 1;
        Rule rule = rules.get(last);
        rules.set(last, new Rule(rule.condition, rule.output, probability));
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

    private record Rule(Predicate<Exchange> condition, String output, double labelProbability) { }

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
