package io.guardreasoner.localai;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;
import io.guardreasoner.core.VerdictParser;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.PublishedOutputs;
import io.guardreasoner.test.RecordedOutput;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LocalAI end to end on real GuardReasoner outputs: the stub serves the published generations (or, always, a few
 * self-written fixtures in the same layout), LocalAiBackend fetches them over HTTP, and the Guard decides on them.
 */
class LocalAiRecordedOutputsTest {

    /** Items per benchmark: all of them (about 2,100 in all, some 13 s), so equal decisions mean equal F1 too. */
    private static final int ITEMS = Integer.MAX_VALUE;

    private static final GuardPolicy POLICY = GuardPolicy.defaults();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fixtures", "HarmBenchPrompt", "AegisSafetyTest", "SimpleSafetyTests", "HarmBenchResponse",
            "XSTestReponseHarmful", "XSTestResponseRefusal"})
    void servesRecordedOutputsByteForByteAndGuardDecidesOnThem(String benchmark) throws Exception {
        Path file = benchmark.equals("fixtures") ? fixtures() : PublishedOutputs.assumeBenchmark("3B", benchmark);
        List<RecordedOutput> items = unique(RecordedOutput.readAll(file));
        List<RecordedOutput> sample = items.subList(0, Math.min(ITEMS, items.size()));

        try (GuardReasonerStubServer stub = GuardReasonerStubServer.builder().replay(file).start();
             Guard guard = Guard.builder()
                     .backend(LocalAiBackend.builder().baseUrl(stub.url()).build())
                     .prompt(GuardPrompt.evaluation())
                     .earlyStop(false)
                     .cacheSize(0)
                     .build()) {
            LocalAiBackend raw = LocalAiBackend.builder().baseUrl(stub.url()).build();
            for (RecordedOutput item : sample) {
                // The exact published prompt goes out, and the exact published output comes back.
                Generation g = raw.generate(item.prompt(), GenerationOptions.maxTokens(2048));
                assertThat(stub.lastCompletionRequest().prompt().getBytes(StandardCharsets.UTF_8))
                        .isEqualTo(item.prompt().getBytes(StandardCharsets.UTF_8));
                assertThat(g.text()).as("output for %s", item.exchange()).isEqualTo(item.predict());

                // The Guard renders the same prompt itself and decides as the policy says on the published output.
                Rail rail = item.exchange().hasResponse() ? Rail.OUTPUT : Rail.INPUT;
                Assessment a = guard.assess(item.exchange(), rail);
                Verdict expected = VerdictParser.standard().parse(item.predict());
                assertThat(a.source()).isEqualTo(Assessment.Source.MODEL);
                assertThat(a.verdict()).hasValue(expected);
                assertThat(a.decision()).isEqualTo(POLICY.decide(rail, expected));
                if (renderable(item)) {
                    assertThat(stub.lastCompletionRequest().prompt()).isEqualTo(item.prompt());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fixtures", "HarmBenchPrompt", "AegisSafetyTest", "SimpleSafetyTests"})
    void inputRailStopsAtTaskTwoAndStillDecidesAsOnTheFullOutput(String benchmark) throws Exception {
        Path file = benchmark.equals("fixtures") ? fixtures() : PublishedOutputs.assumeBenchmark("3B", benchmark);
        List<RecordedOutput> items = unique(RecordedOutput.readAll(file)).stream()
                .filter(o -> !o.exchange().hasResponse()).limit(ITEMS).toList();

        try (GuardReasonerStubServer stub = GuardReasonerStubServer.builder().replay(file).start();
             Guard guard = Guard.builder().backend(LocalAiBackend.builder().baseUrl(stub.url()).build()).build()) {
            for (RecordedOutput item : items) {
                int before = stub.completionRequests().size();
                Assessment a = guard.checkRequest(item.exchange().request());
                List<io.guardreasoner.test.StubRequest> sent = stub.completionRequests().subList(before, stub.completionRequests().size());
                // First the early-stopped call; a second, full call only when Task 1 alone gave no label.
                assertThat(sent).isNotEmpty().hasSizeLessThanOrEqualTo(2);
                assertThat(sent.get(0).stop()).containsExactly("# Task 2");
                if (sent.size() == 2) assertThat(sent.get(1).stop()).isEmpty();
                Verdict full = VerdictParser.standard().parse(item.predict());
                assertThat(a.decision()).as("decision for %s", item.exchange()).isEqualTo(POLICY.decide(Rail.INPUT, full));
                assertThat(a.verdict().flatMap(Verdict::request)).isEqualTo(full.request());
            }
        }
    }

    /** True when the prompt's texts pass through GuardPrompt's cleaning unchanged, so rendering must reproduce it. */
    private static boolean renderable(RecordedOutput item) {
        GuardPrompt p = GuardPrompt.evaluation();
        Exchange e = item.exchange();
        return p.clean(e.request()).equals(e.request()) && e.response().map(r -> p.clean(r).equals(r)).orElse(true);
    }

    /** Drops exchanges recorded more than once, whose answer depends on which recording wins. */
    private static List<RecordedOutput> unique(List<RecordedOutput> all) {
        Map<Exchange, Long> counts = all.stream().collect(Collectors.groupingBy(RecordedOutput::exchange, Collectors.counting()));
        return all.stream().filter(o -> counts.get(o.exchange()) == 1).toList();
    }

    static Path fixtures() throws URISyntaxException {
        return Path.of(LocalAiRecordedOutputsTest.class.getResource("fixtures.jsonl").toURI());
    }

}
