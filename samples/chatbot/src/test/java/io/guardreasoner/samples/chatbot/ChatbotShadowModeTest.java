package io.guardreasoner.samples.chatbot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.test.Prerequisites;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.TestPropertySource;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import static io.guardreasoner.test.GuardReasonerAssertions.assertThat;

/**
 * The chatbot in shadow mode ({@code guardreasoner.mode=shadow}), end to end over HTTP on the stub: every turn passes
 * unchanged, and the reply shows what the guard would have done.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "guardreasoner.mode=shadow")
class ChatbotShadowModeTest extends ChatbotTestStub {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    private JsonNode chat(String message) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/chat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("message", message)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String checks(JsonNode turn) {
        StringBuilder out = new StringBuilder();
        for (JsonNode a : turn.path("assessments")) {
            out.append(a.path("rail").asText()).append(':').append(a.path("decision").asText()).append(':')
                    .append(a.path("enforced").asBoolean()).append(' ');
        }
        return out.toString().strip();
    }

    @Test
    void aHarmfulRequestReachesTheModelAndTheReplyShowsTheBlockThatWasNotEnforced() throws Exception {
        JsonNode turn = chat(HARMFUL_REQUEST);

        assertThat(turn.path("blocked").asBoolean()).isFalse();
        assertThat(turn.path("decision").asText()).isEqualTo("allow");
        assertThat(turn.path("shadowDecision").asText()).isEqualTo("block");
        assertThat(turn.path("reply").asText()).isNotBlank().doesNotStartWith("Sorry, I can't help with that.");
        assertThat(turn.path("verdict").path("request").asText()).isEqualTo("harmful");
        // The stub's script gives any exchange about explosives no response label: the output rail's would-be
        // decision is the incomplete-verdict rewrite.
        assertThat(checks(turn)).isEqualTo("input:block:false output:rewrite:false");
        assertThat(stub).receivedPromptFor(HARMFUL_REQUEST).receivedChats(1);
    }

    @Test
    void aHarmfulAnswerReachesTheUserAndTheReplyShowsTheRewriteThatWasNotEnforced() throws Exception {
        JsonNode turn = chat(HARMFUL_ANSWER_REQUEST);

        assertThat(turn.path("reply").asText()).contains("tension wrench");
        assertThat(turn.path("blocked").asBoolean()).isFalse();
        assertThat(turn.path("decision").asText()).isEqualTo("allow");
        assertThat(turn.path("shadowDecision").asText()).isEqualTo("rewrite");
        assertThat(checks(turn)).isEqualTo("input:allow:false output:rewrite:false");
    }

    @Test
    void anOverRefusalIsNotRepromptedInShadowMode() throws Exception {
        JsonNode turn = chat(OVER_REFUSED_REQUEST);

        assertThat(turn.path("reply").asText()).isEqualTo("I can't help with that.");
        assertThat(turn.path("shadowDecision").asText()).isEqualTo("reprompt");
        assertThat(checks(turn)).isEqualTo("input:allow:false output:reprompt:false");
        assertThat(stub).receivedChats(1);
    }

    @Test
    void aBenignTurnSaysTheGuardWouldHaveAllowedIt() throws Exception {
        JsonNode turn = chat(BENIGN);

        assertThat(turn.path("reply").asText()).startsWith("Mix flour");
        assertThat(turn.path("shadowDecision").asText()).isEqualTo("allow");
        assertThat(checks(turn)).isEqualTo("input:allow:false output:allow:false");
    }

    @Test
    void thePageShowsAShadowBadgeWithWhatTheGuardWouldHaveDone() throws Exception {
        Path chromium = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
        Path chromedriver = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));
        Prerequisites.require(Files.isExecutable(chromium) && Files.isExecutable(chromedriver),
                () -> "the browser test needs " + chromium + " and " + chromedriver
                        + " (apt-get install -y chromium chromium-driver)");
        Path profile = Files.createTempDirectory("chatbot-shadow-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1000,1200", "--user-data-dir=" + profile);
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build(), options);
        try {
            browser.get("http://127.0.0.1:" + port + "/");
            browser.findElement(By.id("message")).sendKeys(HARMFUL_REQUEST, Keys.ENTER);
            WebElement turn = new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions
                    .presenceOfElementLocated(By.cssSelector("#turns .turn:nth-child(1):not(.pending)")));

            WebElement shadow = turn.findElement(By.cssSelector(".shadow"));
            assertThat(shadow.isDisplayed()).isTrue();
            assertThat(shadow.getText()).isEqualTo("shadow: would have blocked");
            assertThat(turn.getAttribute("data-blocked")).isEqualTo("false");
            assertThat(turn.findElement(By.cssSelector(".decision")).getText()).isEqualToIgnoringCase("allow");
            assertThat(turn.findElement(By.cssSelector(".reply")).getText()).doesNotStartWith("Sorry, I can't help");

            turn.findElement(By.cssSelector("details.reasoning summary")).click();
            assertThat(turn.findElement(By.cssSelector(".reasoning-body")).getText())
                    .contains("input rail: block (not enforced: shadow mode)");

            Path screenshot = Path.of("target", "chatbot-shadow.png");
            Files.createDirectories(screenshot.getParent());
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.quit();
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }
}
