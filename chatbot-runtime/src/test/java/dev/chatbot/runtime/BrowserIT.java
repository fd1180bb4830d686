package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Drives the chat page in headless Chromium (Debian's chromium and chromium-driver). With CI=true
 * it always runs and fails when Chromium is missing; elsewhere it skips with a printed reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserIT {

  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  RuntimeServer backend;
  RuntimeServer frontend;
  WebDriver driver;

  @BeforeAll
  void start(@TempDir Path profile) {
    boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    if (!present) {
      String reason =
          "BrowserIT: "
              + CHROMIUM
              + " or "
              + CHROMEDRIVER
              + " missing (apt-get install chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(reason + "; CI=true requires the browser test to run");
      }
      System.out.println(reason + "; skipping outside CI");
      org.junit.jupiter.api.Assumptions.abort(reason);
    }
    backend =
        Servers.start(Servers.keys("mock_token_delay_ms", "40", "client_requests_per_minute", "0"));
    frontend =
        Servers.start(
            Servers.keys("role", "frontend", "backend_url", "http://127.0.0.1:" + backend.port()));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (frontend != null) {
      frontend.stop();
    }
    if (backend != null) {
      backend.stop();
    }
  }

  private List<WebElement> answers() {
    return driver.findElements(By.cssSelector(".msg.assistant"));
  }

  @Test
  void typesAMessageAndSeesTheStreamedAnswer() {
    driver.get("http://127.0.0.1:" + frontend.port() + "/");
    assertThat(driver.getTitle()).isEqualTo("Chatbot");
    String question = "What can you do?";
    String expected =
        new MockProvider("mock-1", Config.of(Servers.keys()).mock)
            .answerFor(List.of(Message.user(question)));

    WebElement input = driver.findElement(By.id("input"));
    input.sendKeys(question);
    input.sendKeys(Keys.ENTER);

    // While streaming, the bubble shows a growing prefix of the answer.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !answers().isEmpty() && !answers().get(0).getText().isEmpty());
    String partial = answers().get(0).getText();
    assertThat(expected).startsWith(partial);

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> "true".equals(answers().get(0).getDomAttribute("data-done")));
    WebElement answer = answers().get(0);
    assertThat(answer.getText()).isEqualTo(expected);
    assertThat(Integer.parseInt(answer.getDomAttribute("data-chunks"))).isGreaterThan(3);
    assertThat(driver.findElement(By.cssSelector(".msg.user")).getText()).isEqualTo(question);
    assertThat(driver.findElement(By.id("provider")).getText()).isEqualTo("mock · mock-1");
    assertThat(driver.findElement(By.id("fallback")).isDisplayed()).isFalse();
    assertThat(driver.findElement(By.id("error")).isDisplayed()).isFalse();

    // A second turn sends the history and gets the deterministic pong.
    input.sendKeys("ping", Keys.ENTER);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                answers().size() == 2
                    && "true".equals(answers().get(1).getDomAttribute("data-done")));
    assertThat(answers().get(1).getText()).isEqualTo("pong");
  }

  @Test
  void showsFallbackBadgeAndReadableErrors() throws Exception {
    try (FakeUpstream router = new FakeUpstream(FakeUpstream.hfError(503))) {
      RuntimeServer hf =
          Servers.start(
              Servers.keys(
                  "model_provider", "huggingface",
                  "huggingface_endpoint", router.baseUrl() + "/v1",
                  "timeout_seconds", "1"),
              "hf_token_for_test");
      RuntimeServer limited =
          Servers.start(Servers.keys("mock_rate_limit_rate", "1", "mock_retry_after_seconds", "5"));
      try {
        driver.get("http://127.0.0.1:" + hf.port() + "/");
        WebElement input = driver.findElement(By.id("input"));
        input.sendKeys("ping", Keys.ENTER);
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    !answers().isEmpty()
                        && "true".equals(answers().get(0).getDomAttribute("data-done")));
        assertThat(answers().get(0).getText()).startsWith("pong").contains("fallback");
        assertThat(driver.findElement(By.id("fallback")).isDisplayed()).isTrue();

        driver.get("http://127.0.0.1:" + limited.port() + "/");
        driver.findElement(By.id("input")).sendKeys("hi", Keys.ENTER);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> driver.findElement(By.id("error")).isDisplayed());
        assertThat(driver.findElement(By.id("error")).getText())
            .contains("Too many requests")
            .contains("5 s");
        assertThat(answers()).isEmpty();
      } finally {
        hf.stop();
        limited.stop();
      }
    }
  }
}
