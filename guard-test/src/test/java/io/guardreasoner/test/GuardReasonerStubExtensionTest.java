package io.guardreasoner.test;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link GuardReasonerStub} starts a server per test, injects it, and stops it afterwards. */
@GuardReasonerStub
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuardReasonerStubExtensionTest {

    private static final Set<String> URLS = new HashSet<>();
    private static GuardReasonerStubServer previous;

    private GuardReasonerStubServer fromBeforeEach;

    @BeforeEach
    void remember(GuardReasonerStubServer stub) {
        fromBeforeEach = stub;
    }

    @Test
    @Order(1)
    void injectsARunningServer(GuardReasonerStubServer stub) throws Exception {
        assertThat(stub).isSameAs(fromBeforeEach);
        assertThat(get(stub.rootUrl() + "/readyz")).isEqualTo(200);
        assertThat(stub.modelName()).isEqualTo(GuardReasonerStubServer.DEFAULT_MODEL_NAME);
        URLS.add(stub.url());
        previous = stub;
    }

    @Test
    @Order(2)
    void givesEachTestAFreshServerAndStopsTheOldOne(GuardReasonerStubServer stub) {
        URLS.add(stub.url());
        assertThat(URLS).hasSize(2);
        assertThat(stub.requests()).isEmpty();
        assertThat(previous).isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(previous.rootUrl() + "/readyz"))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    @Order(3)
    @GuardReasonerStub(modelName = "my-guard")
    void takesTheModelNameFromTheMethodAnnotation(GuardReasonerStubServer stub) {
        assertThat(stub.modelName()).isEqualTo("my-guard");
    }

    @Nested
    class SharedPerClass {
        private final GuardReasonerStubServer shared;

        SharedPerClass(GuardReasonerStubServer shared) {
            this.shared = shared;
        }

        @Test
        void constructorAndMethodShareOneServerWithClearedRequests(GuardReasonerStubServer stub) throws Exception {
            assertThat(stub).isSameAs(shared);
            assertThat(stub.requests()).isEmpty();
            get(stub.rootUrl() + "/readyz");
        }

        @Test
        void secondTestSeesNoRequestsOfTheFirst(GuardReasonerStubServer stub) throws Exception {
            assertThat(stub).isSameAs(shared);
            assertThat(stub.requests()).isEmpty();
            get(stub.rootUrl() + "/readyz");
        }
    }

    private static int get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }
}
