package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Model downloads on real pods (issue 12, "Downloads you can watch"): the operator's downloader Job
 * pulls from the Ollama stand-in, paced and faulted by its knobs in the volume's {@code .stand-in}
 * files. Progress shows in {@code status.models[]} and {@code status.download} (read from the pull
 * container's log at most every 10 s) and in {@code kubectl get cbd -o wide}; a stalled pull is cut
 * after {@code spec.local.download.stallSeconds} and resumes; a full volume ends as {@code
 * ModelDownloadFailed} while the mock phase keeps serving.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DownloadE2E extends OperatorInstalled {

  static final String NAME = "dl";
  static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(10);

  /** One status write of the chatbot, as the watch saw it: the first model and the summary. */
  record Reading(
      Instant seen,
      String state,
      Long bytes,
      Long total,
      Double percent,
      Long rate,
      Long eta,
      Integer attempt,
      String updatedAt,
      String downloadPhase,
      String progress,
      String rateText,
      String timeLeft,
      String sampledAt) {

    static final String HEADER =
        "| s after create | sampledAt | state | bytes done | total | percent | rate (B/s) | ETA (s)"
            + " | attempt | updatedAt | -o wide: Download / Progress / Rate / ETA |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|";

    String row(Instant created) {
      return String.format(
          Locale.ROOT,
          "| %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s / %s |",
          Duration.between(created, seen).toMillis() / 1e3,
          sampledAt,
          state,
          bytes,
          total,
          percent,
          rate,
          eta,
          attempt,
          updatedAt,
          downloadPhase,
          progress,
          rateText,
          timeLeft);
    }

    /** The figures the operator took from the downloader (not when this write was seen). */
    List<Object> figures() {
      return java.util.Arrays.asList(
          state, bytes, total, percent, rate, eta, attempt, updatedAt, downloadPhase, sampledAt);
    }
  }

  /** Every status write of one chatbot whose download figures differ from the one before. */
  static final class Readings implements AutoCloseable {
    final List<Reading> all = new CopyOnWriteArrayList<>();
    private final Watch watch;

    Readings(KubernetesClient client, String namespace, String name) {
      watch =
          client
              .genericKubernetesResources(Chatbot.API_VERSION, Chatbot.KIND)
              .inNamespace(namespace)
              .withName(name)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource r) {
                      Reading reading = reading(r);
                      if (reading == null) {
                        return;
                      }
                      Reading last = all.isEmpty() ? null : all.get(all.size() - 1);
                      if (last == null || !last.figures().equals(reading.figures())) {
                        all.add(reading);
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  });
    }

    @SuppressWarnings("unchecked")
    static Reading reading(GenericKubernetesResource r) {
      Object s = r.getAdditionalProperties().get("status");
      if (!(s instanceof Map<?, ?> status)) {
        return null;
      }
      Map<String, Object> model =
          status.get("models") instanceof List<?> l && !l.isEmpty()
              ? (Map<String, Object>) l.get(0)
              : Map.of();
      Map<String, Object> d =
          status.get("download") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      if (model.isEmpty() && d.isEmpty()) {
        return null;
      }
      return new Reading(
          Instant.now(),
          (String) model.get("state"),
          longOf(model.get("bytesCompleted")),
          longOf(model.get("bytesTotal")),
          model.get("percent") instanceof Number n ? n.doubleValue() : null,
          longOf(model.get("bytesPerSecond")),
          longOf(model.get("etaSeconds")),
          model.get("attempt") instanceof Number n ? n.intValue() : null,
          (String) model.get("updatedAt"),
          (String) d.get("phase"),
          (String) d.get("progress"),
          (String) d.get("rate"),
          (String) d.get("timeLeft"),
          (String) d.get("sampledAt"));
    }

    private static Long longOf(Object o) {
      return o instanceof Number n ? n.longValue() : null;
    }

    /**
     * One reading per sampledAt (each a reading of the downloader's log), as last written: the
     * Job's end can reach the status after the log's last reading, with the same sampledAt.
     */
    List<Reading> samples() {
      List<Reading> out = new ArrayList<>();
      for (Reading r : all) {
        if (r.sampledAt() == null) {
          continue;
        }
        if (!out.isEmpty() && r.sampledAt().equals(out.get(out.size() - 1).sampledAt())) {
          out.set(out.size() - 1, r);
        } else {
          out.add(r);
        }
      }
      return out;
    }

    @Override
    public void close() {
      watch.close();
    }
  }

  @Test
  void progressIsVisibleInTheStatusAndInKubectlAndTheModelEndsReady() throws Exception {
    String ns = cluster.freshNamespace("e2e-download-progress");
    ModelVolume volume = ModelVolume.create(client, ns, StandIns.modelClaim(NAME), "1Gi");
    // 500 MB at 10 MB/s: about 50 s of pulling, five or six readings 10 s apart.
    long modelBytes = 500_000_000L;
    long paced = 10_000_000L;
    volume.knob("ollama_sim_model_bytes", String.valueOf(modelBytes));
    volume.knob("ollama_sim_pull_bytes_per_second", String.valueOf(paced));
    String wide = null;
    Instant created = Instant.now();
    Chatbot chatbot;
    List<Reading> samples;
    try (Readings readings = new Readings(client, ns, NAME)) {
      chatbot = Chatbot.create(client, ns, NAME, "  phase: local\n" + StandIns.localSpec(cluster));
      // While it downloads, kubectl's wide view shows the summary (the CRD's printer columns).
      await("a reading with bytes downloaded")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  readings.all.stream()
                      .anyMatch(
                          r ->
                              "Downloading".equals(r.downloadPhase())
                                  && r.bytes() != null
                                  && r.bytes() > 0));
      wide = cluster.kubectl("get", "cbd", NAME, "-n", ns, "-o", "wide");
      // The model Ready; the backend serving it is StandInsE2E's (its start costs minutes here).
      await("the download Ready")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> modelReady(readings, chatbot));
      samples = readings.samples();
      System.out.println("\n### Download progress (DownloadE2E, " + loadAverage() + ")\n");
      System.out.println(Reading.HEADER);
      samples.forEach(r -> System.out.println(r.row(created)));
      System.out.println("\nkubectl get cbd -o wide while downloading:\n\n```\n" + wide + "```");
    }

    List<Reading> downloading =
        samples.stream()
            .filter(r -> "Downloading".equals(r.state()) && r.bytes() != null && r.bytes() > 0)
            .toList();
    assertThat(downloading).as("readings while bytes arrive").hasSizeGreaterThanOrEqualTo(3);
    for (int i = 1; i < downloading.size(); i++) {
      assertThat(downloading.get(i).bytes())
          .as("bytes done grow")
          .isGreaterThan(downloading.get(i - 1).bytes());
    }
    for (Reading r : downloading) {
      assertThat(r.total()).as("total").isBetween(r.bytes(), modelBytes);
      assertThat(r.percent())
          .as("percent of " + r)
          .isCloseTo(Math.floor(r.bytes() * 1000.0 / r.total()) / 10.0, offset(0.11));
      // Paced at 10 MB/s; a loaded machine can only make it slower.
      assertThat(r.rate()).as("rate of " + r).isBetween(paced / 10, paced * 3 / 2);
      assertThat(r.eta()).as("ETA of " + r).isNotNull();
      assertThat((double) r.eta())
          .as("ETA of " + r + ": bytes left at that rate")
          .isCloseTo((double) (r.total() - r.bytes()) / r.rate(), offset(1.0));
      assertThat(r.progress()).contains(StandIns.LOCAL_MODEL).contains("%");
      assertThat(r.rateText()).endsWith("B/s");
      assertThat(r.timeLeft()).isNotBlank();
      assertThat(r.updatedAt()).isNotNull();
    }
    // No write storm: a new reading at most every 10 s while the download runs (the last one,
    // after the Job finished, may come sooner).
    List<Reading> running =
        samples.stream().filter(r -> !"Ready".equals(r.downloadPhase())).toList();
    for (int i = 1; i < running.size(); i++) {
      Duration gap =
          Duration.between(
              Instant.parse(running.get(i - 1).sampledAt()),
              Instant.parse(running.get(i).sampledAt()));
      assertThat(gap)
          .as("time between readings %d and %d", i - 1, i)
          .isGreaterThanOrEqualTo(SAMPLE_INTERVAL);
    }
    List<String> updatedAts =
        running.stream().map(Reading::updatedAt).filter(Objects::nonNull).distinct().toList();
    Duration span =
        Duration.between(
            Instant.parse(running.get(0).sampledAt()),
            Instant.parse(running.get(running.size() - 1).sampledAt()));
    assertThat(updatedAts.size())
        .as("distinct model updates over %s", span)
        .isLessThanOrEqualTo((int) (span.toSeconds() / SAMPLE_INTERVAL.toSeconds()) + 1);
    System.out.printf(
        "%d readings while the download ran, %d distinct updatedAt over %d s (%s)%n",
        running.size(), updatedAts.size(), span.toSeconds(), updatedAts);

    // kubectl get -o wide: the printer columns with the summary of a running download.
    String[] lines = wide.strip().split("\n");
    assertThat(lines[0]).contains("DOWNLOAD", "PROGRESS", "RATE", "ETA");
    assertThat(lines[1]).contains(NAME, "Downloading", StandIns.LOCAL_MODEL, "B/s");
    assertThat(lines[1]).containsPattern("\\d+\\.\\d%");

    Reading last = samples.get(samples.size() - 1);
    assertThat(last.state()).isEqualTo("Ready");
    assertThat(last.downloadPhase()).isEqualTo("Ready");
    assertThat(last.percent()).isEqualTo(100.0);
    assertThat(last.bytes()).isEqualTo(modelBytes);
    assertThat(chatbot.condition("ModelReady")).containsEntry("status", "True");
    assertThat(volume.storedBytes(StandIns.LOCAL_MODEL)).isEqualTo(modelBytes);
    cluster.deleteNamespace(ns, false);
  }

  @Test
  void aStalledPullIsCutAndResumesFromTheStoredBytes() throws Exception {
    String ns = cluster.freshNamespace("e2e-download-stall");
    ModelVolume volume = ModelVolume.create(client, ns, StandIns.modelClaim(NAME), "1Gi");
    long modelBytes = 200_000_000L;
    int stallAtPercent = 40;
    int stallSeconds = 10; // spec.local.download.stallSeconds' minimum
    volume.knob("ollama_sim_model_bytes", String.valueOf(modelBytes));
    volume.knob("ollama_sim_pull_bytes_per_second", "10000000");
    volume.knob("ollama_sim_pull_stall_seconds", "600");
    volume.knob("ollama_sim_pull_stall_at_percent", String.valueOf(stallAtPercent));
    List<Long> stored = new CopyOnWriteArrayList<>();
    Chatbot chatbot;
    List<Reading> samples;
    Instant created = Instant.now();
    try (Readings readings = new Readings(client, ns, NAME)) {
      chatbot =
          Chatbot.create(
              client,
              ns,
              NAME,
              "  phase: local\n"
                  + StandIns.localSpec(
                      cluster, "    download: {stallSeconds: " + stallSeconds + "}"));
      // The stand-in's stored bytes, read from the volume the whole time: a pull that started over
      // would show them fall.
      await("the download Ready after the stall")
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                long b = volume.storedBytes(StandIns.LOCAL_MODEL);
                if (stored.isEmpty() || stored.get(stored.size() - 1) != b) {
                  stored.add(b);
                }
                return modelReady(readings, chatbot);
              });
      samples = readings.samples();
    }
    Pod downloader = chatbot.pods("model-downloader").get(0);
    String pod = downloader.getMetadata().getName();
    List<Map<String, Object>> pull =
        client
            .pods()
            .inNamespace(ns)
            .withName(pod)
            .inContainer("pull")
            .getLog()
            .lines()
            .filter(l -> l.startsWith("{"))
            .map(DownloadE2E::json)
            .toList();
    String serverLog =
        client
            .pods()
            .inNamespace(ns)
            .withName(pod)
            .inContainer("ollama")
            .usingTimestamps()
            .getLog();

    System.out.println("\n### Stalled download (DownloadE2E, " + loadAverage() + ")\n");
    System.out.println(Reading.HEADER);
    samples.forEach(r -> System.out.println(r.row(created)));
    System.out.println("\nThe pull container's lines:\n");
    System.out.println("| time | status | bytes done | percent | attempt | reason |");
    System.out.println("|---|---|---|---|---|---|");
    pull.forEach(
        l ->
            System.out.printf(
                "| %s | %s | %s | %s | %s | %s |%n",
                l.get("time"),
                l.get("status"),
                l.get("completed"),
                l.get("percent"),
                l.get("attempt"),
                l.getOrDefault("reason", "")));
    System.out.println("\nstored bytes on the volume, in the order seen: " + stored);

    long stallBytes = modelBytes * stallAtPercent / 100;
    Map<String, Object> retry =
        pull.stream()
            .filter(l -> "retrying".equals(l.get("status")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no retrying line in " + pull));
    assertThat(retry).containsEntry("reason", "stalled");
    assertThat(((Number) retry.get("attempt")).intValue()).isEqualTo(1);
    assertThat(((Number) retry.get("completed")).longValue())
        .as("bytes stored when the pull was cut")
        .isEqualTo(stallBytes);
    Map<String, Object> success =
        pull.stream()
            .filter(l -> "success".equals(l.get("status")) && l.get("model") != null)
            .findFirst()
            .orElseThrow();
    assertThat(((Number) success.get("attempt")).intValue()).isEqualTo(2);

    // When the stall began (the stand-in logs it, the kubelet stamps the line) and when the pull
    // cut it.
    Matcher stall = Pattern.compile("(?m)^(\\S+) .*pull stalls for").matcher(serverLog);
    assertThat(stall.find()).as("the stand-in's stall line in:\n" + serverLog).isTrue();
    Instant stallBegan = Instant.parse(stall.group(1));
    Instant cut = Instant.parse((String) retry.get("time"));
    Duration detected = Duration.between(stallBegan, cut);
    System.out.printf(
        "stall began %s, detected and cut %s: %.1f s later (stallSeconds %d)%n",
        stallBegan, cut, detected.toMillis() / 1e3, stallSeconds);
    assertThat(detected)
        .isBetween(Duration.ofSeconds(stallSeconds), Duration.ofSeconds(stallSeconds + 10));

    // Resumed: the stored bytes never fell, and the pull went on from the stall's bytes.
    for (int i = 1; i < stored.size(); i++) {
      assertThat(stored.get(i)).as("stored bytes " + stored).isGreaterThan(stored.get(i - 1));
    }
    assertThat(stored).contains(stallBytes).endsWith(modelBytes);
    Map<String, Object> firstOfAttempt2 =
        pull.stream()
            .filter(l -> ((Number) l.getOrDefault("attempt", 0)).intValue() == 2)
            .findFirst()
            .orElseThrow();
    assertThat(((Number) firstOfAttempt2.get("completed")).longValue())
        .as("bytes at the restart")
        .isGreaterThanOrEqualTo(stallBytes);
    assertThat(samples)
        .as("the status's attempt counter")
        .anyMatch(r -> r.attempt() != null && r.attempt() == 2);
    Reading last = samples.get(samples.size() - 1);
    assertThat(last.state()).isEqualTo("Ready");
    assertThat(last.attempt()).isEqualTo(2);
    cluster.deleteNamespace(ns, false);
  }

  @Test
  void aFullVolumeFailsTheDownloadWhileTheMockPhaseKeepsServing() throws Exception {
    String ns = cluster.freshNamespace("e2e-download-full");
    ModelVolume volume = ModelVolume.create(client, ns, StandIns.modelClaim(NAME), "1Gi");
    long modelBytes = 400_000_000L;
    volume.knob("ollama_sim_model_bytes", String.valueOf(modelBytes));
    volume.knob("ollama_sim_pull_bytes_per_second", "50000000");
    volume.knob("ollama_sim_disk_bytes", "150000000");
    Chatbot chatbot =
        Chatbot.create(client, ns, NAME, "  phase: mock\n" + StandIns.localSpec(cluster));
    chatbot.awaitReady(Duration.ofMinutes(3));
    LoadDriver.Report report;
    Map<String, Object> migration;
    Map<String, Object> modelReady;
    List<String> servicePhases = new CopyOnWriteArrayList<>();
    try (LoadDriver load = LoadDriver.start(chatbot.frontendUrl(), 2, 1, 4)) {
      await("first answers").atMost(Duration.ofSeconds(30)).until(() -> load.successes() >= 5);
      LoadDriver.Window window = load.window("mock -> local: the volume is too small");
      chatbot.patchSpec(Map.of("phase", "local"));
      await("the change to local finished")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                servicePhases.add(String.valueOf(chatbot.servicePhase()));
                Map<String, Object> m = chatbot.migration();
                return "local".equals(m.get("toPhase"))
                    && ("Completed".equals(m.get("state")) || "Failed".equals(m.get("state")));
              });
      migration = chatbot.migration();
      // Still answering a while after the failure, and the condition stays told.
      long after = load.successes();
      await("answers after the failure")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                servicePhases.add(String.valueOf(chatbot.servicePhase()));
                return load.successes() >= after + 20;
              });
      modelReady = chatbot.condition("ModelReady");
      report = window.report();
    }
    System.out.println("\n### Full volume (DownloadE2E, " + loadAverage() + ")\n");
    System.out.println(LoadDriver.Report.HEADER);
    System.out.println(report.row());
    System.out.println("\nstatus.migration: " + migration);
    System.out.println("ModelReady condition: " + modelReady);
    System.out.println("status.models: " + chatbot.status().get("models"));

    assertThat(migration).containsEntry("state", "Failed");
    assertThat(migration).containsEntry("reason", "ModelDownloadFailed");
    String message = (String) migration.get("message");
    assertThat(message).contains("volume is too small", "spec.local.storage.size 1Gi");
    Matcher size =
        Pattern.compile("needs at least [0-9.]+ [kMG]?B \\((\\d+) bytes\\)").matcher(message);
    assertThat(size.find()).as("the model's size in: " + message).isTrue();
    assertThat(Long.parseLong(size.group(1))).isBetween(modelBytes * 99 / 100, modelBytes);
    assertThat(modelReady)
        .containsEntry("status", "False")
        .containsEntry("reason", "ModelDownloadFailed");
    assertThat((String) modelReady.get("message")).contains("volume is too small");

    // Nothing that was serving was torn down.
    assertThat(report.failed()).as("failed requests " + report.errors()).isZero();
    assertThat(servicePhases).containsOnly("mock");
    assertThat(chatbot.activePhase()).isEqualTo("mock");
    assertThat(chatbot.backendPods("mock")).isNotEmpty();
    assertThat(volume.storedBytes(StandIns.LOCAL_MODEL)).isEqualTo(150_000_000L);
    cluster.deleteNamespace(ns, false);
  }

  /** The last status write says the download is done, and so does the ModelReady condition. */
  static boolean modelReady(Readings readings, Chatbot chatbot) {
    List<Reading> all = readings.all;
    return !all.isEmpty()
        && "Ready".equals(all.get(all.size() - 1).downloadPhase())
        && "True".equals(chatbot.condition("ModelReady").get("status"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String line) {
    return Serialization.unmarshal(line, Map.class);
  }

  static org.assertj.core.data.Offset<Double> offset(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  /** The machine's load average now, for the figures. */
  static String loadAverage() {
    try {
      String[] f =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return "load average " + f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return "load average unknown";
    }
  }
}
