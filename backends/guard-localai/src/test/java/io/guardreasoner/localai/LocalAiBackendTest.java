package io.guardreasoner.localai;

import dev.langchain4j.model.localai.LocalAiLanguageModel;
import dev.langchain4j.model.output.Response;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardBackendException;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardReasonerOutputs;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.StubFault;
import io.guardreasoner.test.StubRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LocalAI backend against real HTTP stub servers, and the stub's wire format against LangChain4j's client. */
class LocalAiBackendTest {

    private static final GuardPrompt PROMPT = GuardPrompt.modelCard();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private GuardReasonerStubServer stub() {
        GuardReasonerStubServer stub = GuardReasonerStubServer.start();
        open.add(stub);
        return stub;
    }

    private LocalAiBackend backend(String... urls) {
        LocalAiBackend backend = LocalAiBackend.builder().baseUrls(List.of(urls)).timeout(Duration.ofSeconds(5)).build();
        open.add(backend);
        return backend;
    }

    @Test
    void sendsExactCompletionRequest() {
        GuardReasonerStubServer stub = stub();
        String prompt = PROMPT.render(Exchange.of("Wie backe ich Brot? 🍞 «naïve» \"quotes\" \\ back", "Mix flour\nand water."));

        backend(stub.url()).generate(prompt, GenerationOptions.maxTokens(321).withStopSequences(List.of("# Task 2")));

        StubRequest request = stub.lastCompletionRequest();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/completions");
        assertThat(request.header("content-type")).hasValue("application/json");
        Map<String, Object> json = request.json();
        assertThat(json).containsOnlyKeys("model", "prompt", "max_tokens", "temperature", "stream", "stop");
        assertThat(json).containsEntry("model", "guardreasoner-3b")
                .containsEntry("max_tokens", 321)
                .containsEntry("temperature", 0.0)
                .containsEntry("stream", false)
                .containsEntry("stop", List.of("# Task 2"));
        assertThat(request.prompt().getBytes(StandardCharsets.UTF_8)).isEqualTo(prompt.getBytes(StandardCharsets.UTF_8));
        assertThat(request.exchange()).hasValue(Exchange.of("Wie backe ich Brot? 🍞 «naïve» \"quotes\" \\ back", "Mix flour\nand water."));
    }

    @Test
    void sendsNoStopFieldWithoutStopSequences() {
        GuardReasonerStubServer stub = stub();
        backend(stub.url()).generate(PROMPT.render(Exchange.request("hi")), GenerationOptions.maxTokens(10));
        assertThat(stub.lastCompletionRequest().json()).doesNotContainKey("stop");
    }

    @Test
    void requestsLikeLangChain4jLocalAiLanguageModelAndStubAnswersIt() {
        GuardReasonerStubServer stub = stub();
        stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
        String prompt = PROMPT.render(Exchange.request("How do I build a bomb?"));
        LocalAiLanguageModel model = LocalAiLanguageModel.builder()
                .baseUrl(stub.url()).modelName(stub.modelName())
                .temperature(0.0).maxTokens(1024).maxRetries(0).build();

        Response<String> reference = model.generate(prompt);
        Generation ours = backend(stub.url()).generate(prompt, GenerationOptions.maxTokens(1024));

        String expected = GuardReasonerOutputs.format(Harm.HARMFUL, null, null);
        assertThat(reference.content()).isEqualTo(expected);
        assertThat(ours.text()).isEqualTo(expected);
        List<StubRequest> requests = stub.completionRequests();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).json()).isEqualTo(requests.get(0).json());
        assertThat(requests.get(1).path()).isEqualTo(requests.get(0).path());
    }

    @Test
    void honoursStopSequencesAndReportsUsage() {
        GuardReasonerStubServer stub = stub();
        String prompt = PROMPT.render(Exchange.request("How do I bake bread?"));

        Generation g = backend(stub.url()).generate(prompt, GenerationOptions.maxTokens(1024).withStopSequences(List.of("# Task 2")));

        assertThat(g.text()).startsWith("# Task 1").contains("The human user's request is unharmful.").doesNotContain("# Task 2");
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
        assertThat(g.promptTokens()).isPresent();
        assertThat(g.generatedTokens()).isPresent();
    }

    @Test
    void honoursMaxTokens() {
        GuardReasonerStubServer stub = stub();
        Generation g = backend(stub.url()).generate(PROMPT.render(Exchange.request("hi")), GenerationOptions.maxTokens(3));
        assertThat(g.text()).isEqualTo("# Task 1");
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
        assertThat(g.generatedTokens()).hasValue(3);
    }

    @Test
    void failsOverToNextServerOn500() {
        GuardReasonerStubServer broken = stub().failAlways(StubFault.status(500));
        GuardReasonerStubServer healthy = stub();
        LocalAiBackend backend = backend(broken.url(), healthy.url());

        for (int i = 0; i < 4; i++) {
            assertThat(backend.generate(PROMPT.render(Exchange.request("q" + i)), GenerationOptions.maxTokens(50)).text())
                    .startsWith("# Task 1");
        }
        assertThat(healthy.completionRequests()).hasSize(4);
        assertThat(broken.completionRequests()).hasSize(1); // then it cools down and is tried last
    }

    @Test
    void retriesAFailedServerFirstAgainAfterTheCooldown() {
        GuardReasonerStubServer flaky = stub().failAlways(StubFault.status(500));
        GuardReasonerStubServer healthy = stub();
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        LocalAiBackend backend = LocalAiBackend.builder().baseUrls(List.of(flaky.url(), healthy.url()))
                .cooldown(Duration.ofSeconds(10)).ticker(now::get).build();
        String prompt = PROMPT.render(Exchange.request("q"));

        for (int i = 0; i < 4; i++) backend.generate(prompt, GenerationOptions.maxTokens(5));
        assertThat(flaky.completionRequests()).hasSize(1);

        flaky.heal();
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        for (int i = 0; i < 4; i++) backend.generate(prompt, GenerationOptions.maxTokens(5));
        assertThat(flaky.completionRequests()).hasSize(3); // back in the rotation: every other call
    }

    @Test
    void triesCoolingServersWhenNothingElseIsLeft() {
        GuardReasonerStubServer a = stub().failNext(StubFault.status(500));
        GuardReasonerStubServer b = stub().failNext(StubFault.status(500));
        LocalAiBackend backend = backend(a.url(), b.url());
        String prompt = PROMPT.render(Exchange.request("q"));

        assertThatThrownBy(() -> backend.generate(prompt, GenerationOptions.maxTokens(5)))
                .hasMessageContaining("every LocalAI endpoint tried failed (2 of 2)");
        // Both are cooling down now, and both have healed: the call still goes out rather than failing unasked.
        assertThat(backend.generate(prompt, GenerationOptions.maxTokens(5)).text()).isNotEmpty();
    }

    @Test
    void withoutCooldownEveryCallStartsWhereRoundRobinSays() {
        GuardReasonerStubServer broken = stub().failAlways(StubFault.status(500));
        GuardReasonerStubServer healthy = stub();
        LocalAiBackend backend = LocalAiBackend.builder().baseUrls(List.of(broken.url(), healthy.url()))
                .cooldown(Duration.ZERO).build();
        for (int i = 0; i < 4; i++) backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5));
        assertThat(broken.completionRequests()).hasSize(2);
        assertThat(healthy.completionRequests()).hasSize(4);
    }

    @Test
    void failsOverToNextServerWhenOneIsDown() {
        GuardReasonerStubServer down = stub();
        String downUrl = down.url();
        down.close();
        GuardReasonerStubServer healthy = stub();

        LocalAiBackend backend = backend(downUrl, healthy.url());
        for (int i = 0; i < 2; i++) {
            assertThat(backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(50)).text()).isNotEmpty();
        }
        assertThat(healthy.completionRequests()).hasSize(2);
    }

    @Test
    void spreadsCallsRoundRobin() {
        GuardReasonerStubServer a = stub();
        GuardReasonerStubServer b = stub();
        LocalAiBackend backend = backend(a.url(), b.url());
        for (int i = 0; i < 6; i++) backend.generate(PROMPT.render(Exchange.request("q" + i)), GenerationOptions.maxTokens(5));
        assertThat(a.completionRequests()).hasSize(3);
        assertThat(b.completionRequests()).hasSize(3);
    }

    @Test
    void namesEveryUrlWhenAllFail() {
        GuardReasonerStubServer a = stub().failAlways(StubFault.status(503, "model is loading"));
        GuardReasonerStubServer b = stub().failAlways(StubFault.disconnect());
        LocalAiBackend backend = backend(a.url(), b.url());

        assertThatThrownBy(() -> backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5)))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("every LocalAI endpoint tried failed (2 of 2)")
                .hasMessageContaining(a.url() + " answered HTTP 503")
                .hasMessageContaining("model is loading")
                .hasMessageContaining(b.url() + " could not be reached");
    }

    @Test
    void doesNotFailOverOnClientErrors() {
        GuardReasonerStubServer a = GuardReasonerStubServer.builder().modelName("other-model").start();
        open.add(a);
        GuardReasonerStubServer b = GuardReasonerStubServer.builder().modelName("other-model").start();
        open.add(b);
        LocalAiBackend backend = backend(a.url(), b.url());

        assertThatThrownBy(() -> backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5)))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("LocalAI at " + a.url() + " answered HTTP 404")
                .hasMessageContaining("model 'guardreasoner-3b' is not served here")
                .hasMessageContaining("check the model name");
        assertThat(b.requests()).isEmpty();
    }

    @Test
    void timesOutWithClearMessage() {
        GuardReasonerStubServer slow = stub().failAlways(StubFault.delay(Duration.ofSeconds(3)));
        LocalAiBackend backend = LocalAiBackend.builder().baseUrl(slow.url()).timeout(Duration.ofMillis(300)).build();
        open.add(backend);

        assertThatThrownBy(() -> backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5)))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("LocalAI at " + slow.url() + " did not answer in time")
                .hasMessageContaining("raise the backend timeout");
    }

    @Test
    void garbageBodyGivesClearError() {
        GuardReasonerStubServer stub = stub().failAlways(StubFault.garbage());
        LocalAiBackend backend = backend(stub.url());

        assertThatThrownBy(() -> backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5)))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("LocalAI at " + stub.url() + " sent a reply that is not an OpenAI completion");
    }

    @Test
    void emptyChoicesGiveClearError() {
        GuardReasonerStubServer stub = stub().failNext(StubFault.emptyChoices());
        LocalAiBackend backend = backend(stub.url());

        assertThatThrownBy(() -> backend.generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5)))
                .isInstanceOf(GuardBackendException.class)
                .hasMessageContaining("LocalAI at " + stub.url() + " replied without any choice");
    }

    @Test
    void connectionDroppedMidBodyFailsOver() {
        GuardReasonerStubServer cut = stub().failAlways(StubFault.dropMidBody());
        GuardReasonerStubServer healthy = stub();
        Generation g = backend(cut.url(), healthy.url()).generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(5));
        assertThat(g.text()).isNotEmpty();
        assertThat(cut.completionRequests()).hasSize(1);
    }

    @Test
    void cutOffTextIsReportedAsLength() {
        GuardReasonerStubServer stub = stub().failNext(StubFault.cutOff(10));
        Generation g = backend(stub.url()).generate(PROMPT.render(Exchange.request("q")), GenerationOptions.maxTokens(500));
        assertThat(g.text()).isEqualTo("# Task 1\n\n");
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
    }

    @Test
    void cutsAtStopSequenceEvenWhenServerIgnoresIt() {
        // The stub honours "stop", so a server that ignores it is played by handing the reply over directly.
        Generation g = new CompletionsClient.Reply("Request: harmful\nSTOP here\nmore", "length",
                java.util.OptionalInt.empty(), java.util.OptionalInt.empty())
                .toGeneration(GenerationOptions.maxTokens(5).withStopSequences(List.of("STOP")));
        assertThat(g.text()).isEqualTo("Request: harmful\n");
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_SEQUENCE);
    }

    @Test
    void healthIsUpWhenModelIsListed() {
        GuardReasonerStubServer stub = stub();
        GuardBackend.Health health = backend(stub.url()).health();
        assertThat(health.up()).isTrue();
        assertThat(health.detail()).contains(stub.url() + " up");
        assertThat(stub.requests()).extracting(StubRequest::path).containsExactly("/v1/models");
    }

    @Test
    void healthIsDownWhenModelMissingOrServerDown() {
        GuardReasonerStubServer other = GuardReasonerStubServer.builder().modelName("llama-3-8b").start();
        open.add(other);
        GuardReasonerStubServer down = stub();
        String downUrl = down.url();
        down.close();

        GuardBackend.Health health = backend(other.url(), downUrl).health();

        assertThat(health.up()).isFalse();
        assertThat(health.detail())
                .contains(other.url() + " reachable, but it does not serve model 'guardreasoner-3b' (it lists [llama-3-8b])")
                .contains(downUrl + " down:");
    }

    @Test
    void healthOfAHangingServerIsDownNotStuck() {
        GuardReasonerStubServer hanging = stub().failAlways(StubFault.delay(Duration.ofSeconds(10)));
        LocalAiBackend backend = LocalAiBackend.builder().baseUrl(hanging.url()).timeout(Duration.ofMillis(300)).build();
        GuardBackend.Health health = backend.health();
        assertThat(health.up()).isFalse();
        assertThat(health.detail()).startsWith(hanging.url() + " down:").contains("Timeout");
    }

    @Test
    void normalisesBaseUrls() {
        assertThat(LocalAiBackend.normalizeBaseUrl("http://localhost:8080")).isEqualTo("http://localhost:8080/v1");
        assertThat(LocalAiBackend.normalizeBaseUrl("http://localhost:8080/")).isEqualTo("http://localhost:8080/v1");
        assertThat(LocalAiBackend.normalizeBaseUrl(" HTTP://gpu:8080/v1/ ")).isEqualTo("http://gpu:8080/v1");
        assertThat(LocalAiBackend.normalizeBaseUrl("https://proxy.example/localai/v1")).isEqualTo("https://proxy.example/localai/v1");
        assertThatThrownBy(() -> LocalAiBackend.normalizeBaseUrl("http://localhost:8080/v1/completions"))
                .hasMessageContaining("not an endpoint").hasMessageContaining("http://localhost:8080/v1");
        assertThatThrownBy(() -> LocalAiBackend.normalizeBaseUrl("localhost:8080"))
                .hasMessageContaining("expected http(s)://host:port/v1");
        assertThatThrownBy(() -> LocalAiBackend.builder().build()).hasMessageContaining("needs a base URL");
    }

    @Test
    void reachesServerGivenWithoutV1() {
        GuardReasonerStubServer stub = stub();
        backend(stub.rootUrl()).generate(PROMPT.render(Exchange.request("hi")), GenerationOptions.maxTokens(5));
        assertThat(stub.lastCompletionRequest().path()).isEqualTo("/v1/completions");
    }

    @Test
    void stubAndBackendShareDefaultModelName() {
        assertThat(LocalAiBackend.DEFAULT_MODEL_NAME).isEqualTo(GuardReasonerStubServer.DEFAULT_MODEL_NAME);
    }
}
