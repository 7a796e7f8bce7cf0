package io.guardreasoner.samples.chatbot;

import org.junit.jupiter.api.AfterAll;
import io.guardreasoner.test.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import io.guardreasoner.test.StubFault;
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

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}): type, wait for
 * the guarded reply, check the decision, the badges and the blocked state, and keep a screenshot.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChatPageBrowserTest extends ChatbotTestStub {

    private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));

    private static ChromeDriver browser;
    private static Path profile;

    @Value("${local.server.port}")
    int port;

    /** Starts the browser once for the class; skips (fails under CI=true) when Chromium is not installed. */
    @BeforeEach
    void startBrowser() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        Prerequisites.require(installed, () -> "the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                + " (apt-get install -y chromium chromium-driver)");
        if (browser != null) return;
        profile = Files.createTempDirectory("chatbot-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1000,1200", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) browser.quit();
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void showsDecisionBadgesReasoningAndBlockedStatePerTurn() throws Exception {
        browser.get("http://127.0.0.1:" + port + "/");
        assertThat(browser.getTitle()).isEqualTo("GuardReasoner chatbot");

        // A slow guard: the turn shows a spinner until the verdict is in.
        stub.failNext(StubFault.delay(Duration.ofMillis(1500)));
        browser.findElement(By.id("message")).sendKeys(BENIGN, Keys.ENTER);
        WebElement spinner = new WebDriverWait(browser, Duration.ofSeconds(5)).until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#turns .turn.pending .spinner")));
        assertThat(spinner.isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("send")).isEnabled()).as("send is disabled while the guard works").isFalse();
        WebElement benign = awaitReply(1);
        assertThat(benign.findElement(By.cssSelector(".spinner")).isDisplayed()).isFalse();
        assertThat(benign.getAttribute("data-blocked")).isEqualTo("false");
        assertThat(benign.findElement(By.cssSelector(".decision")).getText()).isEqualToIgnoringCase("allow");
        assertThat(benign.findElement(By.cssSelector(".reply")).getText()).startsWith("Mix flour");
        assertThat(badges(benign)).containsEntry("request", "unharmful").containsEntry("completion", "compliance")
                .containsEntry("response", "unharmful");

        WebElement harmful = send(HARMFUL_REQUEST, 2);
        assertThat(harmful.getAttribute("data-blocked")).isEqualTo("true");
        assertThat(harmful.getAttribute("class")).contains("blocked");
        assertThat(harmful.findElement(By.cssSelector(".decision")).getText()).containsIgnoringCase("block");
        assertThat(harmful.findElement(By.cssSelector(".reply")).getText()).startsWith("Sorry, I can't help");
        assertThat(badges(harmful)).containsEntry("request", "harmful");

        WebElement harmfulAnswer = send(HARMFUL_ANSWER_REQUEST, 3);
        assertThat(harmfulAnswer.getAttribute("data-blocked")).isEqualTo("true");
        assertThat(harmfulAnswer.getAttribute("data-decision")).isEqualTo("rewrite");
        assertThat(badges(harmfulAnswer)).containsEntry("response", "harmful");

        WebElement overRefusal = send(OVER_REFUSED_REQUEST, 4);
        assertThat(overRefusal.getAttribute("data-blocked")).isEqualTo("false");
        assertThat(overRefusal.getAttribute("data-decision")).isEqualTo("reprompt");
        assertThat(overRefusal.findElement(By.cssSelector(".reply")).getText()).isEqualTo("The capital of France is Paris.");

        // The reasoning panel opens and shows the guard's reasoning for the blocked request.
        WebElement panel = harmful.findElement(By.cssSelector("details.reasoning"));
        panel.findElement(By.tagName("summary")).click();
        assertThat(panel.findElement(By.cssSelector(".reasoning-body")).getText())
                .contains("input rail: block").contains("request was examined");

        Path screenshot = Path.of("target", "chatbot.png");
        Files.createDirectories(screenshot.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    /** Types a message, sends it with Enter, and waits until turn number {@code n} has its reply. */
    private WebElement send(String message, int n) {
        WebElement input = browser.findElement(By.id("message"));
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.elementToBeClickable(input));
        input.sendKeys(message, Keys.ENTER);
        return awaitReply(n);
    }

    /** Waits until turn number {@code n} has its reply. */
    private WebElement awaitReply(int n) {
        By turn = By.cssSelector("#turns .turn:nth-child(" + n + "):not(.pending)");
        return new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(turn));
    }

    private static Map<String, String> badges(WebElement turn) {
        List<WebElement> all = turn.findElements(By.cssSelector(".badge"));
        return all.stream().collect(Collectors.toMap(b -> b.getAttribute("data-task"), b -> b.getAttribute("data-label")));
    }
}
