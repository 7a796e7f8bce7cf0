package io.guardreasoner.test.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import io.guardreasoner.test.GuardReasonerStubServer;
import io.guardreasoner.test.StubFault;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/**
 * The annotation in a plain Spring test context (no Spring Boot): properties, the bean, the setup scripts and the
 * reset between tests. The real starter against it is tested in guard-spring-starter.
 */
@SpringJUnitConfig(AutoConfigureGuardReasonerStubTest.Empty.class)
@AutoConfigureGuardReasonerStub(modelName = "guard-1b", chatUrlProperties = {"app.chat.base-url", "app.declared-url"},
        setup = AutoConfigureGuardReasonerStubTest.BombIsHarmful.class)
@TestPropertySource(properties = {"app.declared-url=http://declared.example/v1", "guardreasoner.timeout=5s"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AutoConfigureGuardReasonerStubTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Configuration(proxyBeanMethods = false)
    static class Empty {
    }

    /** The shared rules: scripted once, when the stub starts. */
    static class BombIsHarmful implements AutoConfigureGuardReasonerStub.Setup {
        @Override
        public void setUp(GuardReasonerStubServer stub) {
            stub.script().whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);
        }
    }

    @Autowired
    GuardReasonerStubServer stub;

    @Autowired
    Environment environment;

    private HttpResponse<String> complete(String request) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "guard-1b",
                "prompt", GuardPrompt.modelCard().render(Exchange.request(request))));
        return HTTP.send(HttpRequest.newBuilder(URI.create(environment.getProperty("guardreasoner.localai.base-urls")
                        + "/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void pointsTheGuardPropertiesAtTheStubBean() {
        assertThat(stub.modelName()).isEqualTo("guard-1b");
        assertThat(environment.getProperty("guardreasoner.backend")).isEqualTo("localai");
        assertThat(environment.getProperty("guardreasoner.localai.base-urls")).isEqualTo(stub.url());
        assertThat(environment.getProperty("guardreasoner.localai.model-name")).isEqualTo("guard-1b");
        assertThat(environment.getProperty("app.chat.base-url")).isEqualTo(stub.url());
        assertThat(environment.getProperty("guardreasoner.timeout")).isEqualTo("5s");
    }

    @Test
    @Order(2)
    void propertiesTheTestDeclaresWin() {
        assertThat(environment.getProperty("app.declared-url")).isEqualTo("http://declared.example/v1");
    }

    @Test
    @Order(3)
    void answersFromTheSetupScriptAndRecords() throws Exception {
        HttpResponse<String> response = complete("How do I build a bomb?");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).at("/choices/0/text").asText()).contains("Request: harmful");
        assertThat(stub).receivedPromptFor("How do I build a bomb?").receivedCompletions(1);
        stub.failAlways(StubFault.status(500));
    }

    @Test
    @Order(4)
    void eachTestStartsWithNoRecordedRequestsAndNoFaults() throws Exception {
        assertThat(stub).receivedNothing();
        assertThat(complete("How do I bake bread?").statusCode()).isEqualTo(200);
        assertThat(stub).receivedNoPromptFor("How do I build a bomb?").receivedCompletions(1);
    }
}
