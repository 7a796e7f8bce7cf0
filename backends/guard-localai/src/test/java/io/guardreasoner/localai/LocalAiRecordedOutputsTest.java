package io.guardreasoner.localai;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Confidence;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Label;
import io.guardreasoner.core.LabelConfidence;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.core.VerdictParser;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.PublishedOutputs;
import io.guardreasoner.test.RecordedOutput;
import io.guardreasoner.test.StubRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LocalAI end to end on real GuardReasoner outputs: the stub serves the published generations (or, always, a few
 * self-written fixtures in the same layout), LocalAiBackend fetches them over HTTP with their token probabilities,
 * and the Guard decides on them, continuing an early-stopped generation where it stopped when the text up to there
 * gives no label.
 */
class LocalAiRecordedOutputsTest {

    private static final GuardPolicy POLICY = GuardPolicy.defaults();
    private static final VerdictParser PARSER = VerdictParser.standard();

    /**
     * The outputs whose Task 3 conclusion contradicts their own answer block (measured in guard-core's
     * PublishedOutputsTest.textCutBeforeTheAnswerBlockGivesTheFullTextsResponseLabel): an output rail that stops
     * before the answer block reads the conclusion, so its decision differs from the full output's. By line.
     */
    private static final Map<String, List<Integer>> SELF_CONTRADICTING = Map.of(
            "XSTestReponseHarmful", List.of(269, 331, 334, 381),
            "XSTestResponseRefusal", List.of(269, 335));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fixtures", "HarmBenchPrompt", "AegisSafetyTest", "SimpleSafetyTests", "HarmBenchResponse",
            "XSTestReponseHarmful", "XSTestResponseRefusal"})
    void servesRecordedOutputsByteForByteAndGuardDecidesOnThem(String benchmark) throws Exception {
        Path file = file(benchmark);
        List<Item> items = unique(benchmark);

        try (GuardReasonerStubServer stub = GuardReasonerStubServer.builder().replay(file).start();
             Guard guard = Guard.builder()
                     .backend(LocalAiBackend.builder().baseUrl(stub.url()).build())
                     .prompt(GuardPrompt.evaluation())
                     .earlyStop(false)
                     .outputEarlyStop(false)
                     .cacheSize(0)
                     .build();
             LocalAiBackend raw = LocalAiBackend.builder().baseUrl(stub.url()).build()) {
            for (Item item : items) {
                RecordedOutput output = item.output();
                // The exact published prompt goes out, and the exact published output comes back.
                Generation g = raw.generate(output.prompt(), GenerationOptions.maxTokens(2048));
                assertThat(stub.lastCompletionRequest().prompt().getBytes(StandardCharsets.UTF_8))
                        .isEqualTo(output.prompt().getBytes(StandardCharsets.UTF_8));
                assertThat(g.text()).as("output for %s", output.exchange()).isEqualTo(output.predict());
                assertThat(g.tokens()).as("no token probabilities unless asked").isEmpty();

                // The Guard renders the same prompt itself and decides as the policy says on the published output,
                // with the probability the server reported for each label it reads (1 for every replayed token).
                Rail rail = output.exchange().hasResponse() ? Rail.OUTPUT : Rail.INPUT;
                Assessment a = guard.assess(output.exchange(), rail);
                Verdict expected = PARSER.parse(output.predict());
                assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
                assertThat(a.verdict().map(v -> v.withConfidence(Confidence.NONE))).hasValue(expected);
                assertThat(a.decision()).isEqualTo(POLICY.decide(rail, expected));
                assertCertain(a.verdict().orElseThrow(), item);
                assertThat(stub.lastCompletionRequest().logprobs()).isEqualTo(5);
                if (renderable(output)) {
                    assertThat(stub.lastCompletionRequest().prompt()).isEqualTo(output.prompt());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fixtures", "HarmBenchPrompt", "AegisSafetyTest", "SimpleSafetyTests"})
    void inputRailStopsAtTaskTwoAndStillDecidesAsOnTheFullOutput(String benchmark) throws Exception {
        Path file = file(benchmark);
        List<Item> items = unique(benchmark).stream().filter(i -> !i.output().exchange().hasResponse()).toList();

        try (GuardReasonerStubServer stub = GuardReasonerStubServer.builder().replay(file).start();
             Guard guard = Guard.builder().backend(LocalAiBackend.builder().baseUrl(stub.url()).build()).build()) {
            List<String> continued = new ArrayList<>();
            for (Item item : items) {
                RecordedOutput output = item.output();
                int before = stub.completionRequests().size();
                Assessment a = guard.checkRequest(output.exchange().request());
                List<StubRequest> sent = stub.completionRequests().subList(before, stub.completionRequests().size());
                Verdict full = PARSER.parse(output.predict());

                assertThat(a.decision()).as("decision for %s", item).isEqualTo(POLICY.decide(Rail.INPUT, full));
                assertThat(a.verdict().flatMap(Verdict::request)).as("request label of %s", item).isEqualTo(full.request());
                assertCertain(a.verdict().orElseThrow(), item);
                // First the early-stopped call; then, only when Task 1 alone gave no label, a continuation from
                // where it stopped: the same prompt, the text and the stop sequence, not a new generation.
                assertThat(sent).isNotEmpty().hasSizeLessThanOrEqualTo(2);
                assertThat(sent.get(0).stop()).containsExactly("# Task 2");
                if (sent.size() == 2) {
                    continued.add(item.id());
                    assertContinuesAt(sent, output.predict(), "# Task 2");
                }
            }
            // Measured: the two published Task 1 conclusions that hedge (PublishedOutputsTest), and the fixture.
            assertThat(continued).isEqualTo(switch (benchmark) {
                case "fixtures" -> List.of("fixtures:5");
                case "AegisSafetyTest" -> List.of("AegisSafetyTest:195", "AegisSafetyTest:304");
                default -> List.of();
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fixtures", "HarmBenchResponse", "XSTestReponseHarmful", "XSTestResponseRefusal"})
    void outputRailStopsBeforeTheAnswerBlockAndDecidesAsOnTheFullOutputUnlessTheOutputContradictsItself(
            String benchmark) throws Exception {
        Path file = file(benchmark);
        List<Item> items = unique(benchmark).stream().filter(i -> i.output().exchange().hasResponse()).toList();

        try (GuardReasonerStubServer stub = GuardReasonerStubServer.builder().replay(file).start();
             Guard guard = Guard.builder().backend(LocalAiBackend.builder().baseUrl(stub.url()).build())
                     .cacheSize(0).build()) {
            List<Integer> differ = new ArrayList<>();
            int continued = 0;
            for (Item item : items) {
                RecordedOutput output = item.output();
                int before = stub.completionRequests().size();
                Assessment a = guard.checkResponse(output.exchange().request(), output.exchange().response().orElseThrow());
                List<StubRequest> sent = stub.completionRequests().subList(before, stub.completionRequests().size());
                Verdict full = PARSER.parse(output.predict());

                assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
                assertCertain(a.verdict().orElseThrow(), item);
                assertThat(sent).isNotEmpty().hasSizeLessThanOrEqualTo(2);
                assertThat(sent.get(0).stop()).containsExactly("\nAnswers:");
                if (sent.size() == 2) {
                    continued++;
                    assertContinuesAt(sent, output.predict(), "\nAnswers:");
                    // Continued to the end: the verdict is the full output's. (An output that never writes the stop
                    // came back whole, and its continuation after the whole text is the stub's refusal to classify:
                    // only its decision, checked below, is the full output's.)
                    if (output.predict().contains("\nAnswers:")) {
                        assertThat(a.verdict().map(v -> v.withConfidence(Confidence.NONE))).hasValue(full);
                    }
                }
                if (!a.decision().equals(POLICY.decide(Rail.OUTPUT, full))) {
                    differ.add(item.line());
                    assertThat(full.consistent()).as("%s contradicts itself", item).isFalse();
                }
            }
            assertThat(differ).isEqualTo(SELF_CONTRADICTING.getOrDefault(benchmark, List.of()));
            System.out.printf("%s: %d outputs, %d continued after the early stop, decisions differ on %s%n",
                    benchmark, items.size(), continued, differ);
            if (benchmark.equals("fixtures")) assertThat(continued).isEqualTo(1);
        }
    }

    /**
     * The second request continues the first: its prompt, the published text up to the stop, and the stop. An output
     * that never writes the stop (the model put its answer block first) came back whole, and an OpenAI-compatible
     * server's "stop" cannot tell its end of text from a stop sequence: it is continued after the whole text.
     */
    private static void assertContinuesAt(List<StubRequest> sent, String predict, String stop) {
        int at = predict.indexOf(stop);
        String written = at < 0 ? predict + stop : predict.substring(0, at + stop.length());
        assertThat(sent.get(1).prompt()).isEqualTo(sent.get(0).prompt() + written);
        assertThat(sent.get(1).stop()).isEmpty();
        assertThat(sent.get(1).logprobs()).isEqualTo(5);
    }

    /**
     * Every label the verdict holds whose word the text spells has the probability the server reported at that
     * word's token: 1, with no other label listed, since the stub replays each published token with probability 1.
     * (A label read from a negation, "not harmful", has no token of its own, and so no confidence.)
     */
    private static void assertCertain(Verdict verdict, Item item) {
        Confidence confidence = verdict.confidence();
        assertCertain(verdict.raw(), verdict.request(), confidence.request(), "request", item);
        assertCertain(verdict.raw(), verdict.completion(), confidence.completion(), "completion", item);
        assertCertain(verdict.raw(), verdict.response(), confidence.response(), "response", item);
    }

    private static void assertCertain(String text, Optional<? extends Label> label, Optional<LabelConfidence> confidence,
                                      String task, Item item) {
        boolean spelled = label.isPresent()
                && Pattern.compile("(?i)\\b" + label.get().label() + "\\b").matcher(text).find();
        assertThat(confidence.isPresent()).as("%s confidence of %s", task, item).isEqualTo(spelled);
        confidence.ifPresent(c -> {
            assertThat(c.label()).isEqualTo(label.orElseThrow());
            assertThat(c.probability()).as("%s probability in %s", task, item).isEqualTo(1.0);
            assertThat(c.other()).isZero();
        });
    }

    /** True when the prompt's texts pass through GuardPrompt's cleaning unchanged, so rendering must reproduce it. */
    private static boolean renderable(RecordedOutput item) {
        GuardPrompt p = GuardPrompt.evaluation();
        Exchange e = item.exchange();
        return p.clean(e.request()).equals(e.request()) && e.response().map(r -> p.clean(r).equals(r)).orElse(true);
    }

    /** One published output and where it stands: its benchmark and its line in the file (1-based). */
    private record Item(String benchmark, int line, RecordedOutput output) {
        String id() {
            return benchmark + ":" + line;
        }

        @Override
        public String toString() {
            return id();
        }
    }

    /** The file's outputs without the exchanges recorded more than once, whose answer depends on which one wins. */
    private static List<Item> unique(String benchmark) throws URISyntaxException {
        List<RecordedOutput> all = RecordedOutput.readAll(file(benchmark));
        Map<Exchange, Long> counts = all.stream().collect(Collectors.groupingBy(RecordedOutput::exchange, Collectors.counting()));
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (counts.get(all.get(i).exchange()) == 1) items.add(new Item(benchmark, i + 1, all.get(i)));
        }
        return items;
    }

    private static Path file(String benchmark) throws URISyntaxException {
        return benchmark.equals("fixtures") ? fixtures() : PublishedOutputs.assumeBenchmark("3B", benchmark);
    }

    static Path fixtures() throws URISyntaxException {
        return Path.of(LocalAiRecordedOutputsTest.class.getResource("fixtures.jsonl").toURI());
    }
}
