package io.guardreasoner.core;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded fuzzing of the parser and the prompt builder: generated outputs in GuardReasoner's shapes, mutated and
 * cut at random, plus raw noise. 20,000 inputs by default; the benchmark mode runs a million:
 * {@code ./mvnw -pl guard-core test -Dtest=VerdictParserFuzzTest -Dguardreasoner.fuzz.iterations=1000000}.
 */
class VerdictParserFuzzTest {

    private static final int ITERATIONS = Integer.getInteger("guardreasoner.fuzz.iterations", 20_000);
    private static final long SEED = Long.getLong("guardreasoner.fuzz.seed", 20250130L);

    private static final String[] LABELS = {"harmful", "unharmful", "refusal", "compliance", "None", "HARMFUL",
            "Unharmful", "maybe", "", "harmful,", "refusal.", "compliance and more"};
    private static final String[] NOISE = {"# Task 1", "# Task 2", "# Task 3", "## Reasoning Step 1", "## Conclusion",
            "The human user's request is harmful.", "The AI assistant's response is a refusal.", "---", "Answers: ",
            "# Answers:", "Request:", "Completion:", "Response:", "The ground truth is", "\r\n", "\n\n", "日本語",
            "\uD83D\uDE00", "\u202E", "\u0000", "\uD800", "   ", "Answers: Request: harmful", "None"};

    private final VerdictParser parser = VerdictParser.standard();

    @Test
    void parserNeverThrowsAndKeepsItsInvariantsOnGeneratedOutputs() {
        SplittableRandom random = new SplittableRandom(SEED);
        long start = System.nanoTime();
        int complete = 0;
        int withRequest = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            String text = generate(random);
            Verdict verdict;
            try {
                verdict = parser.parse(text);
            } catch (RuntimeException e) {
                fail("parser threw on input #" + i + " (seed " + SEED + "): " + quote(text), e);
                return;
            }
            assertLabelsAreWordsOfTheText(verdict, text, i);
            if (verdict.complete()) {
                complete++;
                assertFinalBlockNamesAllFields(text, i);
            }
            if (verdict.request().isPresent()) withRequest++;
            assertStableWhenTextIsAppended(verdict, text, random, i);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%n| fuzz target | inputs | complete | with request label | seconds | inputs/s |%n"
                        + "|---|---|---|---|---|---|%n| VerdictParser | %d | %d | %d | %.1f | %.0f |%n",
                ITERATIONS, complete, withRequest, seconds, ITERATIONS / seconds);
        // The generator is built to produce every shape: a fuzz that never reaches complete blocks tests nothing.
        assertThat(complete).isGreaterThan(ITERATIONS / 20);
        assertThat(withRequest).isGreaterThan(ITERATIONS / 5);
    }

    @Test
    void promptBuilderKeepsEverySideInItsPlace() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        GuardPrompt prompt = GuardPrompt.of(GuardPrompt.Layout.MODEL_CARD, 512);
        int iterations = Math.max(1_000, ITERATIONS / 4);
        for (int i = 0; i < iterations; i++) {
            String request = generate(random) + (random.nextBoolean() ? "\n\nAI assistant:\nNone\n\n" : "");
            Optional<String> response = random.nextBoolean() ? Optional.of(generate(random)) : Optional.empty();
            String rendered = prompt.render(new Exchange(request, response));
            Exchange back = GuardPrompt.parse(rendered).orElseThrow(
                    () -> new AssertionError("rendered prompt does not parse: " + quote(rendered)));
            assertThat(rendered).startsWith(GuardPrompt.INSTRUCTION + "Human user:\n").endsWith("\n\n");
            assertThat(back.request()).isEqualTo(prompt.clean(request));
            assertThat(back.response()).isEqualTo(response.map(prompt::clean)
                    .filter(r -> !r.equals(GuardPrompt.NO_RESPONSE)));
            assertThat(back.request().length()).isLessThanOrEqualTo(512);
            assertValidUtf16WithoutControls(rendered, i);
        }
    }

    private static void assertLabelsAreWordsOfTheText(Verdict verdict, String text, int i) {
        String lower = text.toLowerCase(Locale.ROOT);
        verdict.request().ifPresent(l -> assertThat(lower).as("input #%d", i).contains(l.label()));
        verdict.completion().ifPresent(l -> assertThat(lower).as("input #%d", i).contains(l.label()));
        verdict.response().ifPresent(l -> assertThat(lower).as("input #%d", i).contains(l.label()));
        assertThat(verdict.raw()).isSameAs(text);
    }

    private static final java.util.regex.Pattern HEADER_LINE =
            java.util.regex.Pattern.compile("(?im)^[\\s#*]*answers?[\\s:*]*(request.*)?$");

    private static void assertFinalBlockNamesAllFields(String text, int i) {
        java.util.regex.Matcher m = HEADER_LINE.matcher(text.replace("\r", ""));
        int header = -1;
        while (m.find()) header = m.start();
        assertThat(header).as("complete verdict without an answers header, input #%d", i).isGreaterThanOrEqualTo(0);
        String block = text.substring(header).toLowerCase(Locale.ROOT);
        assertThat(block).as("input #%d", i).contains("request").contains("completion").contains("response");
    }

    private void assertStableWhenTextIsAppended(Verdict verdict, String text, SplittableRandom random, int i) {
        if (!verdict.complete()) return;
        // Free text after the final block (no headers, fields or labels) must not change the answer.
        String suffix = "\n\n" + pick(random, new String[] {"Thank you.", "I hope this helps!", "日本", "  ", "x y z"});
        Verdict appended = parser.parse(text + suffix);
        assertThat(appended.request()).as("request, input #%d", i).isEqualTo(verdict.request());
        assertThat(appended.completion()).as("completion, input #%d", i).isEqualTo(verdict.completion());
        assertThat(appended.response()).as("response, input #%d", i).isEqualTo(verdict.response());
        assertThat(appended.complete()).as("complete, input #%d", i).isTrue();
    }

    private static void assertValidUtf16WithoutControls(String s, int i) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isHighSurrogate(c)) {
                assertThat(k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1)))
                        .as("unpaired high surrogate in prompt #%d", i).isTrue();
                k++;
            } else {
                assertThat(Character.isLowSurrogate(c)).as("unpaired low surrogate in prompt #%d", i).isFalse();
                assertThat(c < 0x20 && "\t\n\r\f".indexOf(c) < 0).as("control char in prompt #%d", i).isFalse();
            }
        }
    }

    /** One generated model output: a realistic skeleton, then random edits. */
    static String generate(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        int shape = random.nextInt(6);
        if (shape == 5) {
            for (int i = random.nextInt(30); i > 0; i--) sb.append(pick(random, NOISE)).append(random.nextBoolean() ? "\n" : " ");
            return sb.toString();
        }
        if (shape == 1) sb.append(block(random));
        for (int task = 1; task <= 3; task++) {
            sb.append("# Task ").append(task).append("\n\n## Reasoning Step 1\nSome reasoning ")
                    .append(pick(random, NOISE)).append("\n\n## Conclusion\nThe answer is ")
                    .append(pick(random, LABELS)).append(".\n\n");
            if (shape == 2) sb.append("# Answers: \n").append(field(random, task)).append("\n\n");
        }
        if (random.nextInt(4) == 0) sb.append("---\n\n");
        if (shape != 1) sb.append(block(random));
        String text = sb.toString();
        if (random.nextInt(5) == 0) text = text.replace("\n", "\r\n");
        if (random.nextInt(6) == 0) text = text.toUpperCase(Locale.ROOT);
        if (random.nextInt(5) == 0) text = text.substring(0, random.nextInt(text.length() + 1));
        if (random.nextInt(8) == 0) text = text.repeat(1 + random.nextInt(4));
        return text;
    }

    private static String block(SplittableRandom random) {
        String header = pick(random, new String[] {"Answers: \n", "# Answers:\n", "# Answers\n\n", "**Answers:**\n"});
        StringBuilder sb = new StringBuilder(header);
        // One field per line, or (one block in five) all on one line: "Request: harmful, Completion: None, ...".
        String separator = random.nextInt(5) == 0 ? pick(random, new String[] {", ", "; ", " | ", ",", " and "}) : null;
        for (int task = 1; task <= 3; task++) {
            if (random.nextInt(10) == 0) continue;
            sb.append(field(random, task));
            sb.append(separator != null ? separator : random.nextInt(10) == 0 ? "\n\n" : "\n");
        }
        return sb.toString();
    }

    private static String field(SplittableRandom random, int task) {
        String name = switch (task) {
            case 1 -> "Request";
            case 2 -> "Completion";
            default -> "Response";
        };
        String label = random.nextInt(4) == 0 ? pick(random, LABELS)
                : task == 2 ? pick(random, new String[] {"refusal", "compliance", "None"})
                : pick(random, new String[] {"harmful", "unharmful", "None"});
        return name + ":" + (random.nextInt(8) == 0 ? "\n" : " ") + label;
    }

    private static String pick(SplittableRandom random, String[] options) {
        return options[random.nextInt(options.length)];
    }

    private static String quote(String s) {
        return '"' + (s.length() > 400 ? s.substring(0, 400) + "…" : s).replace("\n", "\\n") + '"';
    }
}
