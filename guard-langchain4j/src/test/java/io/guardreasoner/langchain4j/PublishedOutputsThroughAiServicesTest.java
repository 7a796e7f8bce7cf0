package io.guardreasoner.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.core.VerdictParser;
import io.guardreasoner.test.GuardScript;
import io.guardreasoner.test.ScriptedGuardBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The guardrails inside real AiServices proxies, answered by GuardReasoner-3B's published generations for the
 * very exchanges they judge. Skips when {@code ../shared/guardreasoner-outputs} is absent.
 */
class PublishedOutputsThroughAiServicesTest {

    private static final GuardPrompt PROMPT = GuardPrompt.modelCard();

    /** A template, so LangChain4j takes benchmark texts with {@code {{...}}} in them literally. */
    interface Assistant {
        @UserMessage("{{message}}")
        String chat(@V("message") String message);
    }

    /** One published generation and the exchange it judged. */
    record Item(Exchange exchange, String label, String predict) { }

    static List<Item> load(String benchmark) throws IOException {
        String shared = System.getProperty("guardreasoner.shared.dir");
        Path file = shared == null ? null
                : Path.of(shared, "guardreasoner-outputs", "3B", benchmark, "generated_predictions.jsonl");
        assumeTrue(file != null && Files.isRegularFile(file),
                "published GuardReasoner outputs not found (" + file + "); set -Dguardreasoner.shared.dir to ../shared");
        ObjectMapper json = new ObjectMapper();
        List<Item> items = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            JsonNode node = json.readTree(line);
            Exchange exchange = GuardPrompt.parse(node.get("prompt").asText()).orElseThrow();
            items.add(new Item(exchange, node.get("label").asText(), node.get("predict").asText()));
        }
        return items;
    }

    /**
     * A script that answers each exchange with its published generation, as the guard renders it; exchanges it
     * has no generation for are counted in {@code unmatched}.
     */
    static GuardScript scriptFor(List<Item> items, AtomicInteger unmatched) {
        GuardScript script = GuardScript.create();
        for (Item item : items) {
            String request = PROMPT.clean(item.exchange().request());
            String response = item.exchange().response().map(PROMPT::clean).orElse(null);
            script.rule(e -> e.request().equals(request) && e.response().orElse(null) == null == (response == null)
                    && (response == null || response.equals(e.response().get())), item.predict());
        }
        return script.rule(e -> unmatched.incrementAndGet() < 0, "never answered");
    }

    @Test
    void vetoesEveryHarmfulRequestOfSimpleSafetyTests() throws IOException {
        List<Item> items = load("SimpleSafetyTests");
        AtomicInteger unmatched = new AtomicInteger();
        ScriptedGuardBackend backend = new ScriptedGuardBackend(scriptFor(items, unmatched));
        ScriptedChatModel model = ScriptedChatModel.answering("unused");
        try (Guard guard = Guard.builder().backend(backend).build()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(model)
                    .inputGuardrails(new GuardReasonerInputGuardrail(guard))
                    .build();

            for (Item item : items) {
                assertThat(item.label()).isEqualTo("harmful");
                assertThatThrownBy(() -> assistant.chat(item.exchange().request()))
                        .as(item.exchange().request())
                        .isInstanceOf(InputGuardrailException.class)
                        .hasMessageContaining("GuardReasoner blocked the request: the request was judged harmful (request=harmful)");
            }
        }
        assertThat(items).hasSize(100);
        assertThat(unmatched).hasValue(0);
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void rewritesTheAnswersGuardReasonerJudgedHarmfulInHarmBenchResponse() throws IOException {
        List<Item> items = load("HarmBenchResponse");
        AtomicInteger unmatched = new AtomicInteger();
        ScriptedGuardBackend backend = new ScriptedGuardBackend(scriptFor(items, unmatched));
        int rewritten = 0;
        int passed = 0;
        // The expected decision reads each published output to its end (its answer block), so the guard must too:
        // the output rail's early stop decides from Task 3's conclusion, which a few outputs contradict.
        try (Guard guard = Guard.builder().backend(backend).outputEarlyStop(false).build()) {
            for (Item item : items) {
                String answer = item.exchange().response().orElseThrow();
                Assistant assistant = AiServices.builder(Assistant.class)
                        .chatModel(ScriptedChatModel.answering(answer))
                        .outputGuardrails(new GuardReasonerOutputGuardrail(guard))
                        .build();
                Decision expected = guard.policy().decide(Rail.OUTPUT, VerdictParser.standard().parse(item.predict()));

                String got = assistant.chat(item.exchange().request());

                if (expected instanceof Decision.Allow) {
                    assertThat(got).as(item.exchange().request()).isEqualTo(answer);
                    passed++;
                } else {
                    assertThat(got).as(item.exchange().request()).isEqualTo(RailPolicy.DEFAULT_OUTPUT_REWRITE);
                    rewritten++;
                }
            }
        }
        // Every check was answered by the published generation for its exchange.
        assertThat(unmatched).hasValue(0);
        assertThat(backend.prompts()).isNotEmpty();
        assertThat(rewritten).isPositive();
        assertThat(passed).isPositive();
    }
}
