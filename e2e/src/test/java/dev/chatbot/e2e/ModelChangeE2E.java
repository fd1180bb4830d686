package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A model list change of a chatbot that serves {@code local} (issue 12), with live traffic on real
 * pods: the chatbot serves model A; under load (plain and streaming clients through the frontend
 * Service) {@code spec.local.models} changes to model B, whose download the Ollama stand-in slows
 * to about 40 s. The old model must keep answering until B serves, with no failed request, no mock
 * fallback answer, and a status that says both: it serves, and B downloads.
 *
 * <p>No bridge: the claim under test (docs/migration.md) is that a chatbot already serving {@code
 * local} needs none, its current model keeps serving; a bridge would also double the class's time
 * (the first deployment would bridge too).
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelChangeE2E extends OperatorInstalled {

  static final String NAME = "models";

  static final String MODEL_A = StandIns.LOCAL_MODEL;
  static final String MODEL_B = "llama3.2:1b";

  /** Both models' size; A arrives at the stand-in's default 200 MB/s (2 s). */
  static final long MODEL_BYTES = 400_000_000L;

  /** B's pace: 400 MB at 10 MB/s, about 40 s of download under load. */
  static final long B_BYTES_PER_SECOND = 10_000_000L;

  /** The longest stretch without a successful answer a rolling change may cause. */
  static final Duration MAX_GAP = Duration.ofSeconds(5);

  /** What the test reads of the chatbot every 500 ms. */
  record Snapshot(
      long observedGeneration,
      String activePhase,
      String servicePhase,
      String ready,
      String readyMessage,
      String progressing,
      String progressingMessage,
      String modelReady,
      String modelReadyMessage,
      String downloadPhase,
      String progress,
      String rate,
      String timeLeft,
      String models,
      Double percentB,
      List<String> jobs,
      String backendPods) {

    /** What a printed row shows (messages aside). */
    List<Object> shown() {
      return List.of(
          observedGeneration,
          Objects.toString(activePhase),
          Objects.toString(servicePhase),
          ready,
          progressing,
          modelReady,
          Objects.toString(progress),
          Objects.toString(models),
          jobs,
          backendPods);
    }
  }

  @Test
  void theOldModelServesWhileTheNewListDownloadsWithoutAFailedRequest() throws Exception {
    String ns = cluster.freshNamespace("e2e-model-change");
    ModelVolume volume = ModelVolume.create(client, ns, StandIns.modelClaim(NAME), "1Gi");
    volume.knob("ollama_sim_model_bytes", String.valueOf(MODEL_BYTES));
    StandIns.PACED_LIKE_A_MODEL.forEach(volume::knob);
    long created = System.nanoTime();
    Chatbot chatbot =
        Chatbot.create(client, ns, NAME, "  phase: local\n" + StandIns.localSpec(cluster));
    chatbot.awaitReady(Duration.ofMinutes(5));
    System.out.printf(
        Locale.ROOT,
        "%n### Model list change (ModelChangeE2E, %s)%n%nmodel A serving %.1f s after create%n",
        DownloadE2E.loadAverage(),
        seconds(System.nanoTime() - created));
    Set<String> oldPods = names(chatbot.backendPods("local"));
    Set<String> oldJobs = names(jobs(ns));
    long generation = chatbot.get().getMetadata().getGeneration();

    List<Timeline.Sample<Snapshot>> trail;
    List<LoadDriver.Result> results;
    LoadDriver.Report report;
    String wide;
    long patched;
    long oldGone;
    try (Timeline<Snapshot> status = Timeline.start(() -> snapshot(chatbot), 500);
        LoadDriver load =
            LoadDriver.start(
                chatbot.frontendUrl(),
                LiveTrafficE2E.PLAIN,
                LiveTrafficE2E.STREAMING,
                LiveTrafficE2E.PER_SECOND)) {
      await("first answers from model A")
          .atMost(Duration.ofSeconds(60))
          .until(() -> load.successes() >= 10);
      // Read by the stand-in processes started from now on: the new Job's Ollama.
      volume.knob("ollama_sim_pull_bytes_per_second", String.valueOf(B_BYTES_PER_SECOND));
      LoadDriver.Window window =
          load.window("local: models [" + MODEL_A + "] -> [" + MODEL_B + "]");
      patched = System.nanoTime();
      chatbot.patchSpec(Map.of("local", Map.of("models", List.of(MODEL_B))));

      // While B downloads, kubectl's wide view (the cluster's kubectl) shows it.
      await("a reading of " + MODEL_B + "'s download with bytes done")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                Double p = snapshot(chatbot).percentB();
                return p != null && p > 0 && p < 100;
              });
      wide = cluster.kubectl("get", "cbd", NAME, "-n", ns, "-o", "wide");

      await("the first answer from model " + MODEL_B)
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> window.results().stream().anyMatch(r -> r.ok() && MODEL_B.equals(r.model())));
      window.markSwitch();
      await("model A's backend pods and Job gone")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  names(chatbot.backendPods("local")).stream().noneMatch(oldPods::contains)
                      && names(jobs(ns)).stream().noneMatch(oldJobs::contains)
                      && chatbot.pods("model-downloader").stream()
                          .noneMatch(p -> oldJobs.contains(jobOf(p))));
      oldGone = System.nanoTime();
      await("steady traffic on model " + MODEL_B)
          .pollDelay(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(60))
          .until(window::switchStreamsEnded);
      report = window.report();
      results = window.results();
      chatbot.awaitReady(Duration.ofMinutes(1));
      trail = status.samples();
    }

    List<LoadDriver.Result> ok = results.stream().filter(LoadDriver.Result::ok).toList();
    long downloadReady =
        trail.stream()
            .filter(
                s ->
                    s.nanos() > patched
                        && s.value().observedGeneration() > generation
                        && s.value().modelReady().startsWith("True"))
            .mapToLong(Timeline.Sample::nanos)
            .findFirst()
            .orElse(Long.MAX_VALUE);
    LoadDriver.Result firstB =
        ok.stream().filter(r -> MODEL_B.equals(r.model())).findFirst().orElse(null);
    LoadDriver.Result lastA =
        ok.stream().filter(r -> MODEL_A.equals(r.model())).reduce((a, b) -> b).orElse(null);

    System.out.println("\n" + LoadDriver.Report.HEADER + "\n" + report.row());
    System.out.printf(
        Locale.ROOT,
        "%nseconds after the patch: status says %s downloaded %s, first %s answer %s, last %s"
            + " answer %s, model A's pods and Job gone %.1f%n",
        MODEL_B,
        downloadReady == Long.MAX_VALUE ? "never" : fmt(seconds(downloadReady - patched)),
        MODEL_B,
        firstB == null ? "never" : fmt(seconds(firstB.endNanos() - patched)),
        MODEL_A,
        lastA == null ? "never" : fmt(seconds(lastA.endNanos() - patched)),
        seconds(oldGone - patched));
    printAnswers(patched, results);
    printStatus(patched, trail);
    System.out.println("\nkubectl get cbd -o wide while " + MODEL_B + " downloads:\n");
    System.out.println("```\n" + wide.strip() + "\n```");
    System.out.println("\nmodels on the volume afterwards: " + volume.storedModels());
    // How the new pod's runtime waited for model B (its preload attempts, kubelet-stamped).
    for (Pod pod : chatbot.backendPods("local")) {
      String log =
          client
              .pods()
              .inNamespace(ns)
              .withName(pod.getMetadata().getName())
              .inContainer("runtime")
              .usingTimestamps()
              .getLog();
      System.out.println("\n" + pod.getMetadata().getName() + ", runtime's Ollama lines:\n");
      log.lines()
          .filter(l -> l.contains("ollama") || l.contains("Ollama"))
          .limit(40)
          .forEach(l -> System.out.println("    " + l));
    }

    // Traffic: nothing failed, nothing was a mock fallback, the old model answered until the new.
    assertThat(report.failed())
        .as("failed requests from the patch until model B serves: " + report.errors())
        .isZero();
    assertThat(report.streamsFinished()).isEqualTo(report.streamsAtSwitch());
    assertThat(report.longestGapMs())
        .as("longest time without a successful answer (ms)")
        .isLessThan(MAX_GAP.toMillis());
    assertThat(ok)
        .as("every answer from Ollama, none a mock fallback, from model A or B")
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.provider()).isEqualTo("ollama");
              assertThat(r.fallback()).isFalse();
              assertThat(r.model()).isIn(MODEL_A, MODEL_B);
            });
    assertThat(firstB).as("an answer from model B").isNotNull();
    long bServes = Math.min(downloadReady, firstB.endNanos());
    assertThat(ok.stream().filter(r -> r.endNanos() < bServes))
        .as("answers while model B downloaded: model A's")
        .hasSizeGreaterThan(20)
        .allSatisfy(r -> assertThat(r.model()).isEqualTo(MODEL_A));
    assertThat(ok.stream().filter(r -> r.startNanos() > oldGone))
        .as("answers that started after model A's pods were gone")
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.model()).isEqualTo(MODEL_B));

    // Status while B downloads: it serves (Ready), it is progressing, and the download shows.
    List<Snapshot> changing =
        trail.stream()
            .filter(s -> s.nanos() > patched && s.nanos() < downloadReady)
            .map(Timeline.Sample::value)
            .filter(s -> s.observedGeneration() > generation)
            .toList();
    List<Snapshot> downloading =
        changing.stream()
            .filter(s -> s.percentB() != null && s.percentB() > 0 && s.percentB() < 100)
            .toList();
    assertThat(downloading)
        .as("status samples with " + MODEL_B + " between 0 and 100 %")
        .isNotEmpty();
    assertThat(changing)
        .as("status from the patch until " + MODEL_B + " is downloaded")
        .allSatisfy(
            s -> {
              assertThat(s.activePhase()).isEqualTo("local");
              assertThat(s.servicePhase()).isEqualTo("local");
              assertThat(s.ready()).as("Ready (model A serves)").startsWith("True/");
              assertThat(s.progressing()).as("Progressing").startsWith("True/");
              assertThat(s.modelReady()).as("ModelReady").startsWith("False/");
            });
    assertThat(downloading)
        .allSatisfy(
            s -> {
              assertThat(s.modelReady()).isEqualTo("False/Downloading");
              assertThat(s.modelReadyMessage()).contains(MODEL_B);
              assertThat(s.progress()).contains(MODEL_B).contains("%");
            });
    assertThat(trail.stream().filter(s -> s.nanos() > patched).map(Timeline.Sample::value))
        .as("Ready from the patch on (something serves the whole time)")
        .allSatisfy(s -> assertThat(s.ready()).startsWith("True/"));
    String[] lines = wide.strip().split("\n");
    assertThat(lines[0]).contains("READY", "DOWNLOAD", "PROGRESS", "RATE", "ETA");
    assertThat(lines[1]).contains(NAME, "True", "Downloading", MODEL_B, "B/s");

    // Afterwards: B Ready, one Job (B's), model A's pods and Job gone, nothing else progressing.
    Snapshot last = trail.get(trail.size() - 1).value();
    assertThat(last.ready()).isEqualTo("True/Available");
    assertThat(last.progressing()).startsWith("False/");
    assertThat(last.modelReady()).startsWith("True/");
    assertThat(last.models()).isEqualTo(MODEL_B + " Ready 100.0");
    assertThat(names(jobs(ns))).hasSize(1).doesNotContainAnyElementsOf(oldJobs);
    assertThat(names(chatbot.backendPods("local"))).hasSize(1).doesNotContainAnyElementsOf(oldPods);
    assertThat(volume.storedModels()).contains(MODEL_B);
    cluster.deleteNamespace(ns, false);
  }

  private Snapshot snapshot(Chatbot chatbot) {
    Map<String, Object> s = chatbot.status();
    Map<?, ?> d = s.get("download") instanceof Map<?, ?> m ? m : Map.of();
    List<String> models = new ArrayList<>();
    Double percentB = null;
    if (s.get("models") instanceof List<?> list) {
      for (Object o : list) {
        Map<?, ?> model = (Map<?, ?>) o;
        // JSON numbers arrive as Integer or Double: the text shows them as doubles.
        Double percent =
            model.get("percent") instanceof Number n ? Double.valueOf(n.doubleValue()) : null;
        models.add(model.get("name") + " " + model.get("state") + " " + percent);
        if (MODEL_B.equals(model.get("name"))) {
          percentB = percent;
        }
      }
    }
    Object observed = s.get("observedGeneration");
    return new Snapshot(
        observed instanceof Number n ? n.longValue() : 0,
        (String) s.get("activePhase"),
        chatbot.servicePhase(),
        condition(s, "Ready"),
        (String) Chatbot.condition(s, "Ready").get("message"),
        condition(s, "Progressing"),
        (String) Chatbot.condition(s, "Progressing").get("message"),
        condition(s, "ModelReady"),
        (String) Chatbot.condition(s, "ModelReady").get("message"),
        Objects.toString(d.get("phase"), null),
        Objects.toString(d.get("progress"), null),
        Objects.toString(d.get("rate"), null),
        Objects.toString(d.get("timeLeft"), null),
        String.join(", ", models),
        percentB,
        names(jobs(chatbot.namespace())).stream().sorted().toList(),
        chatbot.backendPods("local").stream()
            .map(p -> p.getMetadata().getName() + (Cluster.ready(p) ? " ready" : " unready"))
            .sorted()
            .collect(Collectors.joining(", ")));
  }

  private static String condition(Map<String, Object> status, String type) {
    Map<String, Object> c = Chatbot.condition(status, type);
    return c.get("status") + "/" + c.get("reason");
  }

  private List<Job> jobs(String ns) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withLabel("app.kubernetes.io/instance", NAME)
        .list()
        .getItems();
  }

  private static String jobOf(Pod pod) {
    return pod.getMetadata().getLabels().get("job-name");
  }

  private static Set<String> names(List<? extends io.fabric8.kubernetes.api.model.HasMetadata> l) {
    return l.stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** Who answered, per 5 s since the patch (by when answers ended). */
  private static void printAnswers(long patched, List<LoadDriver.Result> results) {
    Map<Long, long[]> buckets = new TreeMap<>();
    for (LoadDriver.Result r : results) {
      long[] b =
          buckets.computeIfAbsent((r.endNanos() - patched) / 5_000_000_000L, k -> new long[4]);
      if (!r.ok()) {
        b[3]++;
      } else if (r.fallback() || !"ollama".equals(r.provider())) {
        b[2]++;
      } else if (MODEL_B.equals(r.model())) {
        b[1]++;
      } else {
        b[0]++;
      }
    }
    System.out.printf(
        "%n| seconds after the patch | %s | %s | other (fallback, another provider) | failed |%n",
        MODEL_A, MODEL_B);
    System.out.println("|---|---|---|---|---|");
    buckets.forEach(
        (k, b) ->
            System.out.printf(
                Locale.ROOT,
                "| %d-%d | %d | %d | %d | %d |%n",
                k * 5,
                k * 5 + 5,
                b[0],
                b[1],
                b[2],
                b[3]));
  }

  /** The status as it changed after the patch (one row per change of what is shown). */
  private static void printStatus(long patched, List<Timeline.Sample<Snapshot>> trail) {
    System.out.println(
        "\n| s after patch | gen | active | Service | Ready | Progressing | ModelReady"
            + " | download progress | rate | ETA | status.models | Jobs | backend pods |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    List<Object> previous = null;
    String readyMessage = null;
    String progressingMessage = null;
    for (Timeline.Sample<Snapshot> s : trail) {
      Snapshot v = s.value();
      if (s.nanos() < patched - 1_000_000_000L || v.shown().equals(previous)) {
        continue;
      }
      previous = v.shown();
      System.out.printf(
          Locale.ROOT,
          "| %.1f | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          seconds(s.nanos() - patched),
          v.observedGeneration(),
          v.activePhase(),
          v.servicePhase(),
          v.ready(),
          v.progressing(),
          v.modelReady(),
          v.progress(),
          v.rate(),
          v.timeLeft(),
          v.models(),
          String.join(", ", v.jobs()),
          v.backendPods());
    }
    System.out.println("\nCondition messages as they changed after the patch:\n");
    for (Timeline.Sample<Snapshot> s : trail) {
      Snapshot v = s.value();
      if (s.nanos() < patched) {
        continue;
      }
      if (!Objects.equals(v.readyMessage(), readyMessage)
          || !Objects.equals(v.progressingMessage(), progressingMessage)) {
        readyMessage = v.readyMessage();
        progressingMessage = v.progressingMessage();
        System.out.printf(
            Locale.ROOT,
            "- %.1f s: Ready %s \"%s\"; Progressing %s \"%s\"; ModelReady %s \"%s\"%n",
            seconds(s.nanos() - patched),
            v.ready(),
            readyMessage,
            v.progressing(),
            progressingMessage,
            v.modelReady(),
            v.modelReadyMessage());
      }
    }
  }
}
