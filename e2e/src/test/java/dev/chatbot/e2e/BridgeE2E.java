package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bridge while local models arrive (issue 12), with live traffic on real pods: a {@code local}
 * chatbot with {@code spec.local.bridge: mock} is created from nothing while a {@link LoadDriver}
 * sends chat requests (plain and streaming) through the frontend Service from the moment the
 * frontend first answers through it until local serves. The Ollama stand-in's pull is slowed down
 * (400 MB at 8 MB/s, about 50 s) so the download can be watched while the bridge serves. Twice: a
 * mock bridge, and a huggingface bridge answering from the router stand-in.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BridgeE2E extends OperatorInstalled {

  static final String NAME = "bridged";

  /** 400 MB at 8 MB/s: a download of about 50 s, several progress samples (every 10 s). */
  static final long MODEL_BYTES = 400_000_000L;

  static final long PULL_BYTES_PER_SECOND = 8_000_000L;

  /** What the test reads of the chatbot every 500 ms. */
  record Snapshot(
      String activePhase,
      String bridge,
      String readyReason,
      String readyMessage,
      String servicePhase,
      Double percent,
      String downloadProgress) {}

  @Test
  void mockBridgeServesFromTheFirstRequestUntilLocalServesWithoutAFailedRequest() throws Exception {
    bridged("mock");
  }

  /** The bridge is the huggingface phase, answering from the router stand-in. */
  @Test
  void huggingfaceBridgeServesFromTheFirstRequestUntilLocalServesWithoutAFailedRequest()
      throws Exception {
    bridged("huggingface");
  }

  private void bridged(String bridge) throws Exception {
    String ns = cluster.freshNamespace("e2e-bridge-" + bridge);
    String huggingface = "";
    if (bridge.equals("huggingface")) {
      StandIns.deployRouter(cluster, ns, StandIns.ROUTER, StandIns.PACED_LIKE_A_MODEL);
      StandIns.createTokenSecret(client, ns);
      StandIns.awaitRouter(cluster, ns, StandIns.ROUTER);
      huggingface = StandIns.huggingfaceSpec(ns, StandIns.ROUTER);
    }
    ModelVolume volume = ModelVolume.create(client, ns, StandIns.modelClaim(NAME), "1Gi");
    volume.knob("ollama_sim_model_bytes", String.valueOf(MODEL_BYTES));
    volume.knob("ollama_sim_pull_bytes_per_second", String.valueOf(PULL_BYTES_PER_SECOND));
    StandIns.PACED_LIKE_A_MODEL.forEach(volume::knob);

    long created = System.nanoTime();
    Chatbot chatbot =
        Chatbot.create(
            client,
            ns,
            NAME,
            "  phase: local\n"
                + huggingface
                + StandIns.localSpec(cluster, "    bridge: " + bridge));
    List<LoadDriver.Result> results;
    List<Timeline.Sample<Snapshot>> trail;
    LoadDriver.Report report;
    long frontendReady;
    long bridgeGone;
    try (Timeline<Snapshot> status = Timeline.start(() -> snapshot(chatbot), 500)) {
      // The frontend can first answer when its Service routes to a ready pod.
      chatbot.awaitFrontendRoutes(Duration.ofMinutes(3));
      frontendReady = System.nanoTime();
      try (LoadDriver load =
          LoadDriver.start(
              chatbot.frontendUrl(),
              LiveTrafficE2E.PLAIN,
              LiveTrafficE2E.STREAMING,
              LiveTrafficE2E.PER_SECOND)) {
        LoadDriver.Window window = load.window("local with a " + bridge + " bridge, from nothing");
        await(NAME + " traffic moved to local")
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> "local".equals(chatbot.servicePhase()));
        window.markSwitch();
        assertThat(chatbot.awaitMigrationFinished("local", Duration.ofMinutes(1)))
            .isEqualTo("Completed");
        await("the bridge's backend Deployment deleted")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(250))
            .until(
                () ->
                    client
                                .apps()
                                .deployments()
                                .inNamespace(ns)
                                .withName(chatbot.backendDeploymentName(bridge))
                                .get()
                            == null
                        && chatbot.backendPods(bridge).isEmpty());
        bridgeGone = System.nanoTime();
        await("steady traffic on local")
            .pollDelay(Duration.ofSeconds(5))
            .atMost(Duration.ofSeconds(60))
            .until(window::switchStreamsEnded);
        report = window.report();
        results = window.results();
      }
      chatbot.awaitReady(Duration.ofMinutes(1));
      trail = status.samples();
    }

    List<LoadDriver.Result> ok = results.stream().filter(LoadDriver.Result::ok).toList();
    LoadDriver.Result firstBridged = first(ok, bridge);
    LoadDriver.Result firstLocal = first(ok, "ollama");
    double longestAfterFirst = longestGapMs(ok, firstBridged == null ? 0 : firstBridged.endNanos());
    System.out.println("\n### Bridge: local with `bridge: " + bridge + "`, created under load\n");
    System.out.println(
        "| bridge | requests | failed | frontend answers (s) | first bridged answer (s) | first local"
            + " answer (s) | bridge backend gone (s) | longest without an answer, after the first"
            + " (ms) | p99 chat (ms) | p99 stream (ms) | streams open at switch | finished |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| %s | %d | %d | %.1f | %s | %s | %.1f | %.0f | %.0f | %.0f | %d | %d |%n",
        bridge,
        report.requests(),
        report.failed(),
        seconds(frontendReady - created),
        firstBridged == null
            ? "-"
            : String.format(Locale.ROOT, "%.1f", since(created, firstBridged)),
        firstLocal == null ? "-" : String.format(Locale.ROOT, "%.1f", since(created, firstLocal)),
        seconds(bridgeGone - created),
        longestAfterFirst,
        report.p99ChatMs(),
        report.p99StreamMs(),
        report.streamsAtSwitch(),
        report.streamsFinished());
    printProviders(created, results);
    printStatus(created, trail);

    assertThat(report.failed())
        .as("failed requests from the first request to local serving: " + report.errors())
        .isZero();
    assertThat(report.streamsFinished()).isEqualTo(report.streamsAtSwitch());
    assertThat(ok).as("answers").isNotEmpty();
    assertThat(ok.get(0).provider()).as("the first answer's provider").isEqualTo(bridge);
    assertThat(firstLocal).as("an answer from the local phase").isNotNull();
    assertThat(firstLocal.endNanos()).isGreaterThan(firstBridged.endNanos());
    assertThat(ok.stream().filter(r -> r.startNanos() > bridgeGone))
        .as("answers that started after the bridge was gone")
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.provider()).isEqualTo("ollama"));
    assertThat(ok)
        .extracting(LoadDriver.Result::provider)
        .as("every answer names its provider")
        .allMatch(p -> p.equals(bridge) || p.equals("ollama"));

    // The status while bridging: the bridge named, Ready=False/Bridging, the download's progress.
    List<Snapshot> bridging =
        trail.stream().map(Timeline.Sample::value).filter(s -> bridge.equals(s.bridge())).toList();
    assertThat(bridging).as("status samples naming the bridge").isNotEmpty();
    assertThat(bridging)
        .as("Ready's reason while bridging")
        .anyMatch(s -> "Bridging".equals(s.readyReason()));
    assertThat(bridging)
        .as("download progress between 0 and 100 % while the bridge serves")
        .anyMatch(
            s ->
                bridge.equals(s.activePhase())
                    && s.percent() != null
                    && s.percent() > 0
                    && s.percent() < 100);
    Snapshot last = trail.get(trail.size() - 1).value();
    assertThat(last.bridge()).as("status.bridge after the switch").isNull();
    assertThat(last.activePhase()).isEqualTo("local");
    cluster.deleteNamespace(ns, false);
  }

  private Snapshot snapshot(Chatbot chatbot) {
    Map<String, Object> s = chatbot.status();
    Map<String, Object> ready = Chatbot.condition(s, "Ready");
    Double percent = null;
    if (s.get("models") instanceof List<?> models && !models.isEmpty()) {
      Object p = ((Map<?, ?>) models.get(0)).get("percent");
      percent = p instanceof Number n ? n.doubleValue() : null;
    }
    String progress =
        s.get("download") instanceof Map<?, ?> d ? Objects.toString(d.get("progress"), null) : null;
    return new Snapshot(
        (String) s.get("activePhase"),
        (String) s.get("bridge"),
        (String) ready.get("reason"),
        (String) ready.get("message"),
        chatbot.servicePhase(),
        percent,
        progress);
  }

  private static LoadDriver.Result first(List<LoadDriver.Result> ok, String provider) {
    return ok.stream().filter(r -> provider.equals(r.provider())).findFirst().orElse(null);
  }

  /** The longest stretch without a successful answer finishing, from {@code fromNanos} on. */
  static double longestGapMs(List<LoadDriver.Result> ok, long fromNanos) {
    long gap = 0;
    long previous = fromNanos;
    for (LoadDriver.Result r : ok) {
      if (r.endNanos() > previous) {
        gap = Math.max(gap, r.endNanos() - previous);
        previous = r.endNanos();
      }
    }
    return gap / 1e6;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double since(long created, LoadDriver.Result r) {
    return seconds(r.endNanos() - created);
  }

  /** Which provider answered, per 10 s since the chatbot was created (by when answers ended). */
  private static void printProviders(long created, List<LoadDriver.Result> results) {
    Map<Long, long[]> buckets = new TreeMap<>();
    for (LoadDriver.Result r : results) {
      long[] b =
          buckets.computeIfAbsent((r.endNanos() - created) / 10_000_000_000L, k -> new long[3]);
      if (!r.ok()) {
        b[2]++;
      } else if ("ollama".equals(r.provider())) {
        b[1]++;
      } else {
        b[0]++;
      }
    }
    System.out.println("\n| seconds after creation | answers by the bridge | by ollama | failed |");
    System.out.println("|---|---|---|---|");
    buckets.forEach(
        (k, b) ->
            System.out.printf(
                Locale.ROOT, "| %d-%d | %d | %d | %d |%n", k * 10, k * 10 + 10, b[0], b[1], b[2]));
  }

  /** The status as it changed (one row per change of what the test reads). */
  private static void printStatus(long created, List<Timeline.Sample<Snapshot>> trail) {
    System.out.println(
        "\n| seconds after creation | activePhase | bridge | Service selects | Ready reason"
            + " | model percent | download progress |");
    System.out.println("|---|---|---|---|---|---|---|");
    List<Snapshot> shown = new ArrayList<>();
    for (Timeline.Sample<Snapshot> s : trail) {
      Snapshot v = s.value();
      Snapshot key =
          new Snapshot(
              v.activePhase(),
              v.bridge(),
              v.readyReason(),
              null,
              v.servicePhase(),
              v.percent(),
              v.downloadProgress());
      if (!shown.isEmpty() && shown.get(shown.size() - 1).equals(key)) {
        continue;
      }
      shown.add(key);
      System.out.printf(
          Locale.ROOT,
          "| %.1f | %s | %s | %s | %s | %s | %s |%n",
          seconds(s.nanos() - created),
          v.activePhase(),
          v.bridge(),
          v.servicePhase(),
          v.readyReason(),
          v.percent() == null ? "-" : String.format(Locale.ROOT, "%.1f", v.percent()),
          v.downloadProgress());
    }
  }
}
