package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Requests held through cold starts (issue 12), on real pods: a phase change with {@code
 * spec.migration.strategy: Recreate} removes the old backend before the new one is ready, so the
 * backend Service has no ready endpoint for a while. The frontend holds the chat calls arriving
 * then (plain and streaming) and answers them once the new backend is ready; with a hold shorter
 * than the gap it answers 503 with Retry-After, never a broken connection.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HoldE2E extends OperatorInstalled {

  static final String NAME = "held";
  static final int DEFAULT_HOLD_SECONDS = 30;

  String ns;
  Chatbot chatbot;

  @BeforeAll
  void install() {
    ns = cluster.freshNamespace("e2e-hold");
    StandIns.deployRouter(cluster, ns, StandIns.ROUTER, StandIns.PACED_LIKE_A_MODEL);
    StandIns.createTokenSecret(client, ns);
    StandIns.awaitRouter(cluster, ns, StandIns.ROUTER);
    chatbot =
        Chatbot.create(
            client,
            ns,
            NAME,
            "  phase: mock\n"
                + "  migration: {strategy: Recreate}\n"
                + StandIns.huggingfaceSpec(ns, StandIns.ROUTER));
    chatbot.awaitReady(Duration.ofMinutes(3));
  }

  @AfterAll
  void cleanUp() {
    if (ns != null) {
      cluster.deleteNamespace(ns, false);
    }
  }

  /** Whether the backend Service has a ready endpoint, sampled every 100 ms. */
  private Timeline<Boolean> backendEndpoints() {
    return Timeline.start(
        () ->
            Chatbot.hasReadyAddress(
                client.endpoints().inNamespace(ns).withName(chatbot.backendServiceName()).get()),
        100);
  }

  /** The stretches without a ready backend endpoint: [start, end] in System.nanoTime(). */
  private static List<long[]> gaps(List<Timeline.Sample<Boolean>> samples) {
    List<long[]> gaps = new ArrayList<>();
    long since = -1;
    for (Timeline.Sample<Boolean> s : samples) {
      if (!s.value() && since < 0) {
        since = s.nanos();
      } else if (s.value() && since >= 0) {
        gaps.add(new long[] {since, s.nanos()});
        since = -1;
      }
    }
    return gaps;
  }

  @Test
  @Order(1)
  void recreateChangeUnderLoadHoldsTheCallsUntilTheNewBackendIsReady() throws Exception {
    Map<String, Double> before = frontendMetrics();
    LoadDriver.Report report;
    List<LoadDriver.Result> results;
    List<long[]> gaps;
    try (Timeline<Boolean> endpoints = backendEndpoints();
        LoadDriver load =
            LoadDriver.start(
                chatbot.frontendUrl(),
                LiveTrafficE2E.PLAIN,
                LiveTrafficE2E.STREAMING,
                LiveTrafficE2E.PER_SECOND)) {
      await("first answers").atMost(Duration.ofSeconds(30)).until(() -> load.successes() >= 10);
      LoadDriver.Window window = load.window("mock -> huggingface (Recreate), holdSeconds 30");
      chatbot.patchSpec(Map.of("phase", "huggingface"));
      assertThat(chatbot.awaitMigrationFinished("huggingface", Duration.ofMinutes(3)))
          .isEqualTo("Completed");
      window.markSwitch();
      await("steady traffic on huggingface")
          .pollDelay(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(60))
          .until(window::switchStreamsEnded);
      report = window.report();
      results = window.results();
      gaps = gaps(endpoints.samples());
    }
    Map<String, Double> after = frontendMetrics();

    assertThat(gaps).as("stretches without a ready backend endpoint (Recreate)").isNotEmpty();
    long[] gap = gaps.stream().max((a, b) -> Long.compare(a[1] - a[0], b[1] - b[0])).orElseThrow();
    List<LoadDriver.Result> inGap =
        results.stream().filter(r -> r.startNanos() >= gap[0] && r.startNanos() < gap[1]).toList();
    // The old pod drains the calls it already has a connection for after it left the endpoints;
    // the calls answered by the new backend are the ones the frontend held.
    List<LoadDriver.Result> held =
        inGap.stream().filter(r -> "huggingface".equals(r.provider())).toList();
    double heldMetric = delta(before, after, "chatbot_held_requests_total");
    double forwarded =
        delta(before, after, "chatbot_hold_wait_seconds_count{outcome=\"forwarded\"");
    double gaveUp = delta(before, after, "chatbot_hold_given_up_total");
    double maxWait = total(after, "chatbot_hold_wait_seconds_max{outcome=\"forwarded\"");
    System.out.println("\n### Held requests: a Recreate phase change under load\n");
    System.out.println(LoadDriver.Report.HEADER);
    System.out.println(report.row());
    System.out.println(
        "\n| no ready backend endpoint (s) | requests started then | answered by the draining old"
            + " pod | held, answered by the new (chat / stream) | failed | longest wait (ms)"
            + " | p99 wait (ms) | held (frontend metric) | forwarded after holding | given up"
            + " | longest hold (frontend, s) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| %.1f | %d | %d | %d (%d / %d) | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f |%n",
        (gap[1] - gap[0]) / 1e9,
        inGap.size(),
        inGap.size() - held.size(),
        held.size(),
        held.stream().filter(r -> !r.stream()).count(),
        held.stream().filter(LoadDriver.Result::stream).count(),
        inGap.stream().filter(r -> !r.ok()).count(),
        held.stream().mapToLong(LoadDriver.Result::latencyNanos).max().orElse(0) / 1e6,
        LoadDriver.p99(held),
        heldMetric,
        forwarded,
        gaveUp,
        maxWait);

    assertThat((gap[1] - gap[0]) / 1e9)
        .as("the Recreate gap fits in the hold on this machine")
        .isLessThan(DEFAULT_HOLD_SECONDS);
    assertThat(report.failed()).as("failed requests " + report.errors()).isZero();
    assertThat(held).as("held requests, answered by the new backend").isNotEmpty();
    assertThat(held.stream().filter(LoadDriver.Result::stream)).as("held streams").isNotEmpty();
    assertThat(held.stream().mapToLong(LoadDriver.Result::latencyNanos).max().orElse(0))
        .as("the longest hold: longer than an answer takes (0.7 s)")
        .isGreaterThan(2_000_000_000L);
    assertThat(heldMetric).as("chatbot_held_requests_total").isGreaterThanOrEqualTo(held.size());
    assertThat(gaveUp).as("held calls given up").isZero();
  }

  /** One request of the short-hold probe: HTTP status and Retry-After, or the exception. */
  record Probe(
      boolean stream, long startNanos, long endNanos, int status, String retryAfter, String body) {
    double millis() {
      return (endNanos - startNanos) / 1e6;
    }
  }

  @Test
  @Order(2)
  void holdThatRunsOutAnswers503WithRetryAfterNeverABrokenConnection() throws Exception {
    chatbot.patchSpec(Map.of("frontend", Map.of("holdSeconds", 2)));
    await("frontend rolled with holdSeconds 2")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(this::frontendRolledOut);
    String url = chatbot.frontendUrl();
    List<Probe> probes = Collections.synchronizedList(new ArrayList<>());
    List<long[]> gaps;
    ExecutorService clients = Executors.newFixedThreadPool(2);
    long started = System.nanoTime();
    try (Timeline<Boolean> endpoints = backendEndpoints()) {
      var running = new java.util.concurrent.atomic.AtomicBoolean(true);
      for (boolean stream : List.of(false, true)) {
        clients.submit(
            () -> {
              // Paced: 4 calls a second per client, under the frontend's per-client burst.
              long next = System.nanoTime();
              while (running.get()) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                next = System.nanoTime() + 250_000_000L;
                probes.add(probe(url, stream));
              }
              return null;
            });
      }
      await("probes answered").atMost(Duration.ofSeconds(30)).until(() -> probes.size() >= 4);
      chatbot.patchSpec(Map.of("phase", "mock"));
      assertThat(chatbot.awaitMigrationFinished("mock", Duration.ofMinutes(3)))
          .isEqualTo("Completed");
      await("answers from mock")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  probes.stream()
                          .filter(p -> p.status() == 200 && p.body().contains("\"mock\""))
                          .count()
                      >= 4);
      running.set(false);
      clients.shutdown();
      assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      gaps = gaps(endpoints.samples());
    } finally {
      clients.shutdownNow();
    }

    List<Probe> all = List.copyOf(probes);
    Predicate<Probe> unavailable = p -> p.status() == 503;
    List<Probe> refused = all.stream().filter(unavailable).toList();
    long[] gap = gaps.stream().max((a, b) -> Long.compare(a[1] - a[0], b[1] - b[0])).orElseThrow();
    System.out.println("\n### Held requests: the hold runs out (holdSeconds 2)\n");
    System.out.println(
        "| window | seconds | no ready backend endpoint (s) | requests | 200 | 503 + Retry-After"
            + " | connection errors | 503 after (ms, min-max) | Retry-After (s) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| huggingface -> mock (Recreate), holdSeconds 2 | %.1f | %.1f | %d | %d | %d | %d"
            + " | %.0f-%.0f | %s |%n",
        (System.nanoTime() - started) / 1e9,
        (gap[1] - gap[0]) / 1e9,
        all.size(),
        all.stream().filter(p -> p.status() == 200).count(),
        refused.stream().filter(p -> p.retryAfter() != null).count(),
        all.stream().filter(p -> p.status() == 0).count(),
        refused.stream().mapToDouble(Probe::millis).min().orElse(0),
        refused.stream().mapToDouble(Probe::millis).max().orElse(0),
        refused.stream().map(Probe::retryAfter).distinct().toList());

    assertThat(all)
        .as("no connection error, only answers 200 or 503 (bodies: %s)", errors(all))
        .allMatch(p -> p.status() == 200 || p.status() == 503);
    assertThat(gap[1] - gap[0])
        .as("the gap is longer than the hold")
        .isGreaterThan(Duration.ofSeconds(3).toNanos());
    assertThat(refused).as("calls answered 503 after the hold").isNotEmpty();
    assertThat(refused.stream().filter(Probe::stream)).as("streams answered 503").isNotEmpty();
    assertThat(refused)
        .allSatisfy(
            p -> {
              assertThat(p.retryAfter()).as("Retry-After").isNotNull();
              assertThat(Integer.parseInt(p.retryAfter())).isPositive();
              // Held for holdSeconds (2 s), then answered: not at once, not much later.
              assertThat(p.millis()).isBetween(1_900.0, 6_000.0);
            });
    assertThat(all.stream().filter(p -> p.status() == 200 && p.stream()))
        .as("streams answered 200 end with their done event")
        .allSatisfy(p -> assertThat(p.body()).contains("event: done"));
  }

  private static List<String> errors(List<Probe> all) {
    return all.stream()
        .filter(p -> p.status() != 200 && p.status() != 503)
        .map(Probe::body)
        .distinct()
        .limit(5)
        .toList();
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** One chat call (or stream) with its status, Retry-After and body; status 0 if none came. */
  private static Probe probe(String url, boolean stream) throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + (stream ? "/api/chat/stream" : "/api/chat")))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    Serialization.asJson(Map.of("message", "Are you there?"))))
            .build();
    long start = System.nanoTime();
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new Probe(
          stream,
          start,
          System.nanoTime(),
          r.statusCode(),
          r.headers().firstValue("Retry-After").orElse(null),
          r.body());
    } catch (IOException e) {
      return new Probe(stream, start, System.nanoTime(), 0, null, e.toString());
    }
  }

  private boolean frontendRolledOut() {
    var d = client.apps().deployments().inNamespace(ns).withName(NAME + "-frontend").get();
    if (d == null || d.getStatus() == null) {
      return false;
    }
    var s = d.getStatus();
    Integer replicas = d.getSpec().getReplicas();
    return s.getObservedGeneration() != null
        && s.getObservedGeneration() >= d.getMetadata().getGeneration()
        && replicas != null
        && replicas.equals(s.getUpdatedReplicas())
        && replicas.equals(s.getAvailableReplicas())
        && chatbot.pods("frontend").size() == replicas;
  }

  /**
   * The frontend pods' hold metrics, each series (name and labels) summed over the pods (a max: the
   * largest).
   */
  private Map<String, Double> frontendMetrics() throws Exception {
    Map<String, Double> sum = new java.util.HashMap<>();
    for (Pod pod : chatbot.pods("frontend")) {
      String page = ChatClient.get("http://" + pod.getStatus().getPodIP() + ":8080/metrics");
      for (String line : page.lines().toList()) {
        if (!line.startsWith("chatbot_hold") && !line.startsWith("chatbot_held")) {
          continue;
        }
        int space = line.lastIndexOf(' ');
        String key = line.substring(0, space);
        double v = Double.parseDouble(line.substring(space + 1));
        sum.merge(key, v, key.contains("_max{") ? Math::max : Double::sum);
      }
    }
    return sum;
  }

  /** The growth of the series starting with {@code prefix} (all their labels summed). */
  private static double delta(
      Map<String, Double> before, Map<String, Double> after, String prefix) {
    return total(after, prefix) - total(before, prefix);
  }

  private static double total(Map<String, Double> metrics, String prefix) {
    return metrics.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }
}
