package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
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
 * Issue 8, item 2: {@code examples/mock.yaml}, applied as it is, becomes Ready through the
 * kubelet's real probes; a chat answers through the frontend Service's ClusterIP and through the
 * NodePort of its LoadBalancer Service (whose external IP stays pending: no cloud here), streaming
 * included; the chat page works in headless Chromium through that NodePort.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MockChatbotE2E extends OperatorInstalled {

  static final String CHATBOT = "demo";
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  String namespace;
  Service frontend;

  @BeforeAll
  void deployTheExample() throws IOException {
    namespace = cluster.freshNamespace("e2e-mock");
    Path example = cluster.repoRoot().resolve("examples/mock.yaml");
    long start = System.nanoTime();
    client.resource(Files.readString(example)).inNamespace(namespace).create();
    await("ChatbotDeployment " + CHATBOT + " Ready")
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> "True".equals(condition(chatbot(), "Ready")));
    long ready = System.nanoTime();
    System.out.printf(
        "examples/mock.yaml: Ready %.1f s after it was applied%n", (ready - start) / 1e9);
    frontend = client.services().inNamespace(namespace).withName(CHATBOT).get();
    new Chatbot(client, namespace, CHATBOT).awaitFrontendRoutes(Duration.ofSeconds(60));
    System.out.printf(
        "examples/mock.yaml: its Service answered %.1f s after Ready%n",
        (System.nanoTime() - ready) / 1e9);
  }

  @Test
  void becomesReadyThroughTheKubeletsProbes() throws Exception {
    // The real HPA controller adds a second frontend pod (minReplicas 2) after the first, at a
    // time of its choosing: wait until every autoscaler has its minimum Ready, and check the pods
    // of that same listing (a later listing once caught the new pod still being created).
    List<Pod> pods =
        await("every pod of the chatbot Ready, autoscalers at their minimum")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .until(this::chatbotPods, this::settled);
    assertThat(pods)
        .extracting(p -> p.getMetadata().getLabels().get("app.kubernetes.io/component"))
        .contains("backend", "frontend");
    for (Pod pod : pods) {
      Container container = pod.getSpec().getContainers().get(0);
      assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(container.getImage()).isEqualTo(cluster.runtimeImage().reference());
      ContainerStatus status = pod.getStatus().getContainerStatuses().get(0);
      assertThat(status.getImageID()).endsWith(cluster.runtimeImage().id());
      assertThat(status.getReady()).isTrue();
      // Nobody but the kubelet asks a pod's /readyz: its counter proves the probes ran.
      String metrics = ChatClient.get("http://" + pod.getStatus().getPodIP() + ":8080/metrics");
      assertThat(readyzProbes(metrics)).as("/readyz answered 200 in %s", metrics).isPositive();
    }
  }

  @Test
  void answersThroughTheFrontendServiceClusterIp() throws Exception {
    String clusterIp = frontend.getSpec().getClusterIP();
    assertThat(clusterIp).startsWith("198.19.");
    ChatClient.Answer answer =
        ChatClient.chat(
            "http://" + clusterIp + ":" + port().getPort(), "Hello through the ClusterIP");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.reply()).isNotBlank();
    assertThat(answer.body()).containsEntry("provider", "mock").containsEntry("fallback", false);
  }

  @Test
  void answersAndStreamsThroughTheLoadBalancersNodePort() throws Exception {
    assertThat(frontend.getSpec().getType()).isEqualTo("LoadBalancer");
    // No cloud here: the external IP stays pending, the NodePort serves.
    assertThat(frontend.getStatus().getLoadBalancer().getIngress()).isNullOrEmpty();
    String url = nodePortUrl();
    String question = "What can you do?";
    ChatClient.Answer answer = ChatClient.chat(url, question);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.reply()).isNotBlank();

    List<ChatClient.Event> events = ChatClient.stream(url, question);
    assertThat(events).extracting(ChatClient.Event::name).startsWith("meta").endsWith("done");
    List<ChatClient.Event> deltas = events.stream().filter(e -> e.name().equals("delta")).toList();
    assertThat(deltas).hasSizeGreaterThan(3);
    String streamed =
        deltas.stream().map(e -> (String) e.data().get("content")).collect(Collectors.joining());
    assertThat(streamed).isEqualTo(answer.reply());
    assertThat(events.get(events.size() - 1).data()).containsEntry("reply", answer.reply());
    // Streamed, not buffered by the frontend or kube-proxy: the first piece arrives well before
    // the last (the mock pauses 15 ms between pieces).
    long spreadMillis =
        (deltas.get(deltas.size() - 1).arrivedNanos() - deltas.get(0).arrivedNanos()) / 1_000_000;
    assertThat(spreadMillis).isGreaterThanOrEqualTo(15L * (deltas.size() - 1) / 2);
  }

  @Test
  void chatPageStreamsInChromiumThroughTheNodePort(@TempDir Path profile) throws Exception {
    boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    if (!present) {
      String reason =
          CHROMIUM + " or " + CHROMEDRIVER + " missing (apt-get install chromium chromium-driver)";
      if (Cluster.mustRun()) {
        throw new IllegalStateException(reason + "; CI=true requires the browser test to run");
      }
      Assumptions.abort(reason);
    }
    String url = nodePortUrl();
    String question = "Tell me about this cluster";
    String expected = ChatClient.chat(url, question).reply();

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
        // The page is served from the node's IP address; any host name lookup fails in Chromium.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE " + cluster.nodeIp(),
        "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    WebDriver driver = new ChromeDriver(service, options);
    try {
      driver.get(url + "/");
      assertThat(driver.getTitle()).isEqualTo("Chatbot");
      WebElement input = driver.findElement(By.id("input"));
      input.sendKeys(question, Keys.ENTER);

      // While streaming, the bubble shows a growing prefix of the answer.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> !answers(driver).isEmpty() && !answers(driver).get(0).getText().isEmpty());
      assertThat(expected).startsWith(answers(driver).get(0).getText());
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> "true".equals(answers(driver).get(0).getDomAttribute("data-done")));
      WebElement answer = answers(driver).get(0);
      assertThat(answer.getText()).isEqualTo(expected);
      assertThat(Integer.parseInt(answer.getDomAttribute("data-chunks"))).isGreaterThan(3);
      assertThat(driver.findElement(By.id("provider")).getText()).startsWith("mock");
      assertThat(driver.findElement(By.id("error")).isDisplayed()).isFalse();
    } finally {
      driver.quit();
    }
  }

  // --- helpers ---

  /** All pods Ready, and every autoscaler's Deployment has at least its minimum Ready. */
  private boolean settled(List<Pod> pods) {
    if (pods.isEmpty() || !pods.stream().allMatch(Cluster::ready)) {
      return false;
    }
    for (HorizontalPodAutoscaler hpa :
        client
            .autoscaling()
            .v1()
            .horizontalPodAutoscalers()
            .inNamespace(namespace)
            .list()
            .getItems()) {
      Deployment target =
          client
              .apps()
              .deployments()
              .inNamespace(namespace)
              .withName(hpa.getSpec().getScaleTargetRef().getName())
              .get();
      int min = hpa.getSpec().getMinReplicas() == null ? 1 : hpa.getSpec().getMinReplicas();
      Integer ready =
          target == null || target.getStatus() == null
              ? null
              : target.getStatus().getReadyReplicas();
      if (ready == null || ready < min) {
        return false;
      }
    }
    return true;
  }

  private List<Pod> chatbotPods() {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel("app.kubernetes.io/instance", CHATBOT)
        .list()
        .getItems();
  }

  private GenericKubernetesResource chatbot() {
    return client
        .genericKubernetesResources("chatbot.dev/v1alpha1", "ChatbotDeployment")
        .inNamespace(namespace)
        .withName(CHATBOT)
        .get();
  }

  @SuppressWarnings("unchecked")
  static String condition(GenericKubernetesResource resource, String type) {
    if (resource == null) {
      return null;
    }
    Object status = resource.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> map) || !(map.get("conditions") instanceof List<?> list)) {
      return null;
    }
    return list.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> type.equals(c.get("type")))
        .map(c -> (String) c.get("status"))
        .findFirst()
        .orElse(null);
  }

  private ServicePort port() {
    return frontend.getSpec().getPorts().get(0);
  }

  private String nodePortUrl() {
    Integer nodePort = port().getNodePort();
    assertThat(nodePort).isNotNull();
    return "http://" + cluster.nodeIp() + ":" + nodePort;
  }

  private static List<WebElement> answers(WebDriver driver) {
    return driver.findElements(By.cssSelector(".msg.assistant"));
  }

  /** The count of GET /readyz answered 200, from a runtime pod's Prometheus page. */
  static double readyzProbes(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith("chatbot_http_requests_seconds_count{"))
        .filter(l -> l.contains("route=\"/readyz\"") && l.contains("status=\"200\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
