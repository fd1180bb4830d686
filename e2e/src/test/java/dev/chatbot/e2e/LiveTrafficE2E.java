package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Live traffic through every phase change (issue 8, item 3): a {@link LoadDriver} sends chat
 * requests through the frontend Service's ClusterIP the whole time while the phase goes mock ->
 * huggingface -> local -> mock -> local -> huggingface -> mock. One table row per transition, and
 * the peak working set of every pod against its limit (item 7).
 *
 * <p>Stand-ins ({@link StandIns}): the Hugging Face router is the runtime's OpenAI-compatible mock
 * in a pod, Ollama is the Ollama stand-in image, the model claim binds a hostPath volume. Every
 * upstream is paced like a model (0.7 s an answer), so streams are open when traffic moves.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveTrafficE2E extends OperatorInstalled {

  static final String NAME = "live";

  /**
   * The load: 3 clients of {@code /api/chat}, 3 streaming, 8 requests a second in all (480 a
   * minute: under the frontend's per-client limit of 600, which counts all of them as one client).
   */
  static final int PLAIN = 3;

  static final int STREAMING = 3;
  static final double PER_SECOND = 8;

  String ns;
  Chatbot chatbot;
  ModelVolume volume;
  MemorySampler memory;

  @BeforeAll
  void install() {
    ns = cluster.freshNamespace("e2e-live");
    StandIns.deployRouter(cluster, ns, StandIns.ROUTER, StandIns.PACED_LIKE_A_MODEL);
    StandIns.createTokenSecret(client, ns);
    volume = ModelVolume.create(client, ns, StandIns.modelClaim(NAME), "1Gi");
    volume.knob("ollama_sim_model_bytes", "400000000");
    StandIns.PACED_LIKE_A_MODEL.forEach(volume::knob);
    StandIns.awaitRouter(cluster, ns, StandIns.ROUTER);
    memory = new MemorySampler(client, cluster.nodeName(), ns);
    chatbot =
        Chatbot.create(
            client,
            ns,
            NAME,
            "  phase: mock\n"
                + StandIns.huggingfaceSpec(ns, StandIns.ROUTER)
                + StandIns.localSpec(cluster));
    chatbot.awaitReady(Duration.ofMinutes(3));
  }

  @AfterAll
  void cleanUp() {
    if (memory != null) {
      memory.close();
    }
    if (ns != null) {
      cluster.deleteNamespace(ns, false);
    }
  }

  @Test
  @Order(1)
  void everyPhaseChangeCarriesLiveTrafficWithoutAFailedRequest() throws Exception {
    List<String> chain = List.of("huggingface", "local", "mock", "local", "huggingface", "mock");
    List<LoadDriver.Report> reports = new ArrayList<>();
    String from = "mock";
    try (LoadDriver load = LoadDriver.start(chatbot.frontendUrl(), PLAIN, STREAMING, PER_SECOND)) {
      await("first answers").atMost(Duration.ofSeconds(30)).until(() -> load.successes() >= 10);
      java.util.Set<String> rolled = new java.util.HashSet<>();
      for (String to : chain) {
        reports.add(change(load, from, to));
        from = to;
        if (!to.equals("mock") && rolled.add(to)) {
          // A rolling change of the running backend (item 5), once per upstream: new chat
          // settings roll its pods (the local one has the Ollama sidecar and its preStop).
          reports.add(roll(load, to, "Answer briefly (" + to + ")."));
        }
      }
    }
    print("Live traffic through every phase change", reports);

    for (LoadDriver.Report r : reports) {
      assertThat(r.failed()).as(r.label() + ": failed requests " + r.errors()).isZero();
      if (r.streamsAtSwitch() >= 0) { // -1: a rolling change, no switch of the Service
        assertThat(r.streamsFinished())
            .as(r.label() + ": streams open at the switch that finished")
            .isEqualTo(r.streamsAtSwitch());
      }
    }
    for (MemorySampler.Peak p : memory.peaks()) {
      if (p.limitBytes() > 0) {
        assertThat(p.peakBytes()).as(p.who() + "/" + p.container()).isLessThan(p.limitBytes());
      }
    }
    assertThat(memory.peaks())
        .filteredOn(p -> p.who().equals(NAME + "-backend-mock") && p.container().equals("runtime"))
        .singleElement()
        .satisfies(p -> assertThat(p.peakBytes()).isLessThan(128L * 1024 * 1024));
  }

  /** One transition under load: from the edit to the old backend gone, plus 3 s of steady state. */
  private LoadDriver.Report change(LoadDriver load, String from, String to) {
    LoadDriver.Window window = load.window(from + " -> " + to);
    chatbot.patchSpec(Map.of("phase", to));
    await(NAME + " traffic moved to " + to)
        .atMost(Duration.ofMinutes(8))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> to.equals(chatbot.servicePhase()));
    window.markSwitch();
    assertThat(chatbot.awaitMigrationFinished(to, Duration.ofMinutes(2))).isEqualTo("Completed");
    await(from + " backend gone")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> chatbot.backendPods(from).isEmpty());
    await("steady traffic on " + to)
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(60))
        .until(window::switchStreamsEnded);
    LoadDriver.Report report = window.report();
    System.out.println(report.row());
    return report;
  }

  /** A rolling change of {@code phase}'s backend under load: its system prompt changes. */
  private LoadDriver.Report roll(LoadDriver load, String phase, String systemPrompt) {
    LoadDriver.Window window = load.window(phase + ": rolling change (chat.systemPrompt)");
    String before = backendTemplateHash(phase);
    chatbot.patchSpec(Map.of("chat", Map.of("systemPrompt", systemPrompt)));
    await(phase + " backend rolled")
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !before.equals(backendTemplateHash(phase)) && chatbot.rolledOut(phase));
    await("steady traffic after the roll")
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(60))
        .until(() -> true);
    LoadDriver.Report report = window.report();
    System.out.println(report.row());
    return report;
  }

  private String backendTemplateHash(String phase) {
    return client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName(chatbot.backendDeploymentName(phase))
        .get()
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .toString();
  }

  /**
   * Failed changes under load (item 4): each leaves the old phase serving, with zero failed
   * requests; then the spec goes back and the chatbot is Ready again.
   */
  @Test
  @Order(2)
  void failedChangesUnderLoadLeaveTheOldPhaseServing() throws Exception {
    String broken = "hf-router-broken";
    StandIns.deployRouter(cluster, ns, broken, Map.of("mock_error_rate", "1.0"));
    StandIns.awaitRouter(cluster, ns, broken);
    chatbot.awaitReady(Duration.ofMinutes(2));
    String serving = chatbot.activePhase();
    List<LoadDriver.Report> reports = new ArrayList<>();
    try (LoadDriver load = LoadDriver.start(chatbot.frontendUrl(), PLAIN, STREAMING, PER_SECOND)) {
      await("first answers").atMost(Duration.ofSeconds(30)).until(() -> load.successes() >= 10);
      reports.add(
          fail(
              load,
              "smoke test fails (the router answers 500)",
              Map.of(
                  "phase",
                  "huggingface",
                  "huggingface",
                  Map.of("endpoint", StandIns.routerEndpoint(ns, broken))),
              "SmokeTestFailed",
              Map.of(
                  "phase",
                  serving,
                  "huggingface",
                  Map.of("endpoint", StandIns.routerEndpoint(ns, StandIns.ROUTER)))));
      volume.knob("ollama_sim_pull_error", "pull model manifest: file does not exist");
      reports.add(
          fail(
              load,
              "download Job fails (the registry lacks the model)",
              Map.of(
                  "phase",
                  "local",
                  "local",
                  Map.of("models", List.of("llama3.2:1b"), "download", Map.of("backoffLimit", 0))),
              "ModelDownloadFailed",
              Map.of("phase", serving, "local", Map.of("models", List.of(StandIns.LOCAL_MODEL)))));
      volume.removeKnob("ollama_sim_pull_error");
      reports.add(
          fail(
              load,
              "token Secret missing",
              Map.of(
                  "phase",
                  "huggingface",
                  "huggingface",
                  Map.of("tokenSecretRef", Map.of("name", "hf-token-absent"))),
              "SecretNotFound",
              Map.of(
                  "phase",
                  serving,
                  "huggingface",
                  Map.of("tokenSecretRef", Map.of("name", StandIns.TOKEN_SECRET)))));
      reports.add(
          fail(
              load,
              "deadline (the local backend cannot be scheduled: 64 CPUs asked)",
              Map.of(
                  "phase",
                  "local",
                  "migration",
                  Map.of("progressDeadlineSeconds", 30),
                  "local",
                  Map.of("ollama", Map.of("resources", cpu("64", "64")))),
              "ProgressDeadlineExceeded",
              Map.of(
                  "phase",
                  serving,
                  "migration",
                  Map.of("progressDeadlineSeconds", 600),
                  "local",
                  Map.of("ollama", Map.of("resources", cpu("100m", "1"))))));
    }
    print("Failed changes under load, the old phase (" + serving + ") serving", reports);
    for (LoadDriver.Report r : reports) {
      assertThat(r.failed()).as(r.label() + ": failed requests " + r.errors()).isZero();
    }
  }

  /**
   * A backend pod deleted under load (item 6): the frontend holds calls while the backend has no
   * ready endpoint; reports failed requests and the time until a replacement is Ready.
   */
  @Test
  @Order(3)
  void backendPodDeletedUnderLoad() throws Exception {
    chatbot.awaitReady(Duration.ofMinutes(2));
    String phase = chatbot.activePhase();
    List<LoadDriver.Report> reports = new ArrayList<>();
    double replacedAfter;
    try (LoadDriver load = LoadDriver.start(chatbot.frontendUrl(), PLAIN, STREAMING, PER_SECOND)) {
      await("first answers").atMost(Duration.ofSeconds(30)).until(() -> load.successes() >= 10);
      LoadDriver.Window window = load.window(phase + ": backend pod deleted");
      String old = chatbot.backendPods(phase).get(0).getMetadata().getName();
      long start = System.nanoTime();
      client.pods().inNamespace(ns).withName(old).delete();
      window.markSwitch();
      await("a replacement backend pod Ready")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  chatbot.backendPods(phase).stream()
                      .anyMatch(p -> !p.getMetadata().getName().equals(old) && Cluster.ready(p)));
      replacedAfter = (System.nanoTime() - start) / 1e9;
      await(old + " gone")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> client.pods().inNamespace(ns).withName(old).get() == null);
      await("steady traffic after the replacement")
          .pollDelay(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(60))
          .until(window::switchStreamsEnded);
      reports.add(window.report());
    }
    print(
        String.format(
            java.util.Locale.ROOT,
            "Backend pod deleted under load (replacement Ready %.1f s after the delete)",
            replacedAfter),
        reports);
    assertThat(reports.get(0).failed()).as("failed requests " + reports.get(0).errors()).isZero();
  }

  /**
   * The operator's leader deleted mid-migration, under load (item 6): the other replica takes the
   * Lease and finishes the change. Reports the failover time (delete to a new holder) and the
   * window's figures.
   */
  @Test
  @Order(4)
  void operatorLeaderDeletedMidMigrationTheNextOneFinishesIt() throws Exception {
    chatbot.awaitReady(Duration.ofMinutes(2));
    String from = chatbot.activePhase();
    String to = from.equals("huggingface") ? "mock" : "huggingface";
    var leases = client.leases().inNamespace(OperatorRelease.NAMESPACE);
    String lease = leases.list().getItems().get(0).getMetadata().getName();
    String leader = leases.withName(lease).get().getSpec().getHolderIdentity();
    List<LoadDriver.Report> reports = new ArrayList<>();
    double failover;
    String stateAtDelete;
    try (LoadDriver load = LoadDriver.start(chatbot.frontendUrl(), PLAIN, STREAMING, PER_SECOND)) {
      await("first answers").atMost(Duration.ofSeconds(30)).until(() -> load.successes() >= 10);
      LoadDriver.Window window = load.window(from + " -> " + to + ": operator leader deleted");
      chatbot.patchSpec(Map.of("phase", to));
      await("the change under way")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  to.equals(chatbot.migration().get("toPhase"))
                      && !"Completed".equals(chatbot.migrationState()));
      stateAtDelete = chatbot.migrationState();
      long start = System.nanoTime();
      client.pods().inNamespace(OperatorRelease.NAMESPACE).withName(leader).delete();
      await("a new leader")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                String holder = leases.withName(lease).get().getSpec().getHolderIdentity();
                return holder != null && !holder.isEmpty() && !holder.equals(leader);
              });
      failover = (System.nanoTime() - start) / 1e9;
      await("traffic moved to " + to)
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> to.equals(chatbot.servicePhase()));
      window.markSwitch();
      assertThat(chatbot.awaitMigrationFinished(to, Duration.ofMinutes(3))).isEqualTo("Completed");
      await("steady traffic on " + to)
          .pollDelay(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(60))
          .until(window::switchStreamsEnded);
      reports.add(window.report());
    }
    print(
        String.format(
            java.util.Locale.ROOT,
            "Operator leader %s deleted mid-migration (state %s): new leader after %.1f s",
            leader,
            stateAtDelete,
            failover),
        reports);
    assertThat(reports.get(0).failed()).as("failed requests " + reports.get(0).errors()).isZero();
    await("both operator replicas available again")
        .atMost(Duration.ofMinutes(3))
        .until(
            () ->
                Integer.valueOf(2)
                    .equals(
                        client
                            .apps()
                            .deployments()
                            .inNamespace(OperatorRelease.NAMESPACE)
                            .withName(OperatorRelease.NAME)
                            .get()
                            .getStatus()
                            .getAvailableReplicas()));
  }

  /**
   * One failed change under load: {@code change} is patched, the change must fail with {@code
   * reason} while the backend Service keeps selecting the serving phase; then {@code revert}.
   */
  private LoadDriver.Report fail(
      LoadDriver load,
      String label,
      Map<String, Object> change,
      String reason,
      Map<String, Object> revert) {
    String serving = chatbot.servicePhase();
    String target = (String) change.get("phase");
    LoadDriver.Window window = load.window(serving + " -> " + target + ": " + label);
    List<String> selected = new java.util.concurrent.CopyOnWriteArrayList<>();
    chatbot.patchSpec(change);
    await(label + ": change failed with " + reason)
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              selected.add(String.valueOf(chatbot.servicePhase()));
              Map<String, Object> m = chatbot.migration();
              return target.equals(m.get("toPhase"))
                  && "Failed".equals(m.get("state"))
                  && reason.equals(m.get("reason"));
            });
    window.markSwitch();
    chatbot.patchSpec(revert);
    await(label + ": Ready again after the revert")
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> chatbot.ready() && window.switchStreamsEnded());
    assertThat(selected).as(label + ": the Service's phase while it failed").containsOnly(serving);
    LoadDriver.Report report = window.report();
    System.out.println(report.row());
    return report;
  }

  private static Map<String, Object> cpu(String request, String limit) {
    return Map.of("requests", Map.of("cpu", request), "limits", Map.of("cpu", limit));
  }

  /** Prints a table of {@code reports} with the load level and the memory peaks so far. */
  private void print(String title, List<LoadDriver.Report> reports) throws Exception {
    String table =
        LoadDriver.Report.HEADER
            + "\n"
            + String.join("\n", reports.stream().map(LoadDriver.Report::row).toList());
    String mem =
        MemorySampler.Peak.HEADER
            + "\n"
            + String.join("\n", memory.peaks().stream().map(MemorySampler.Peak::row).toList());
    String loadavg = Files.readString(Path.of("/proc/loadavg")).trim();
    System.out.printf(
        "%n%s (%d plain + %d streaming clients, %.0f requests/s in all; load average %s):%n%s%n%n"
            + "Peak working set per container so far (kubelet summary API, every 2 s):%n%s%n",
        title, PLAIN, STREAMING, PER_SECOND, loadavg, table, mem);
    for (LoadDriver.Report r : reports) {
      if (!r.errors().isEmpty()) {
        System.out.println(r.label() + ": " + r.errors());
      }
    }
  }
}
