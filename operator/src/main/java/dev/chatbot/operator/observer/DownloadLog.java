package dev.chatbot.operator.observer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.DownloadStatus;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.ModelStatus.State;
import dev.chatbot.operator.observer.Observation.JobState;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads the downloader Job's progress: the pull command's JSON lines (docs/runtime-contract.md,
 * "The pull command") from its pod's log, and how its pods ended. Pure: the observer does the
 * reads.
 */
public final class DownloadLog {
  /** The status is refreshed from the log at most this often: no write storm. */
  public static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(10);

  /** Lines of the log read each time: several minutes of a pull's lines. */
  public static final int TAIL_LINES = 300;

  // Exit codes of the pull command.
  static final int EXIT_ERROR = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_DISK_FULL = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  private DownloadLog() {}

  /**
   * The pull container of one downloader pod.
   *
   * @param started whether it has run (running or terminated)
   * @param exitCode its exit code once terminated, else null
   * @param message its termination message (on a failure the last lines of its log)
   */
  public record PodFacts(
      String name, Instant created, boolean started, Integer exitCode, String message) {}

  /**
   * Whether to read the progress in this pass: while the Job runs, when the last reading is at
   * least {@link #SAMPLE_INTERVAL} old; once it has finished, one last time for the final figures.
   * A download already known to have failed is not read again.
   */
  public static boolean due(ChatbotDeploymentStatus old, JobState job, Instant now) {
    if (job.kind() == JobState.Kind.NONE) {
      return false;
    }
    DownloadStatus last = previous(old, job);
    if (last == null || last.getSampledAt() == null) {
      return true;
    }
    if (last.getPhase() == State.Failed) {
      return false;
    }
    if (job.kind() != JobState.Kind.RUNNING) {
      return last.getPhase() != State.Ready;
    }
    return !now.isBefore(Instant.parse(last.getSampledAt()).plus(SAMPLE_INTERVAL));
  }

  /** The status's download figures when they describe this very Job, else null. */
  public static DownloadStatus previous(ChatbotDeploymentStatus old, JobState job) {
    DownloadStatus d = old == null ? null : old.getDownload();
    if (d == null || job.name() == null) {
      return null;
    }
    return job.name().equals(d.getJob()) && Objects.equals(job.uid(), d.getJobUid()) ? d : null;
  }

  /** The pod whose log tells the progress: the newest one whose pull container has run. */
  public static Optional<PodFacts> logSource(List<PodFacts> pods) {
    return pods.stream().filter(PodFacts::started).max(Comparator.comparing(PodFacts::created));
  }

  /**
   * One reading.
   *
   * @param models the spec's models, in the order the pull command takes them
   * @param pods the Job's pods
   * @param log the tail of the log of {@link #logSource}'s pod, null when there is none
   * @param problem why something could not be read, or null
   * @param volumeSize the model volume's requested size, for the message of a full volume
   */
  public static DownloadSample sample(
      JobState job,
      List<String> models,
      List<PodFacts> pods,
      String log,
      String problem,
      Instant now,
      String volumeSize) {
    Map<String, ModelStatus> byModel = parse(log, models);
    List<ModelStatus> out = new ArrayList<>();
    if (!byModel.isEmpty()) {
      int current = -1;
      for (int i = 0; i < models.size(); i++) {
        if (byModel.containsKey(models.get(i))) {
          current = i;
        }
      }
      for (int i = 0; i < models.size(); i++) {
        ModelStatus m = byModel.get(models.get(i));
        if (m == null) {
          // The pull takes the models in order: the ones before the current are done.
          m =
              new ModelStatus(
                  models.get(i),
                  i < current ? State.Ready : State.Pending,
                  i < current ? null : "waiting for the models before it");
        }
        out.add(m);
      }
    }
    String failure = null;
    Optional<PodFacts> terminal =
        pods.stream()
            .filter(p -> p.exitCode() != null && terminal(p.exitCode()))
            .max(Comparator.comparing(PodFacts::created));
    if (terminal.isPresent()) {
      failure = failure(terminal.get(), out, volumeSize);
    } else {
      retrying(pods, out);
    }
    return new DownloadSample(job.name(), job.uid(), now, List.copyOf(out), failure, problem);
  }

  /** Exit codes no retry of the Job's pod can cure: an error from Ollama, a full volume, usage. */
  static boolean terminal(int exitCode) {
    return exitCode == EXIT_ERROR || exitCode == EXIT_DISK_FULL || exitCode == EXIT_USAGE;
  }

  /** The last line of each model (and the final summary), as model states. */
  static Map<String, ModelStatus> parse(String log, List<String> models) {
    Map<String, ModelStatus> byModel = new LinkedHashMap<>();
    if (log == null) {
      return byModel;
    }
    for (String text : log.split("\n")) {
      JsonNode line = json(text);
      if (line == null) {
        continue;
      }
      String model = line.path("model").asText(null);
      String status = line.path("status").asText("");
      if (model == null) {
        if (status.equals("success")) {
          for (String m : models) {
            ModelStatus s = byModel.getOrDefault(m, new ModelStatus(m, State.Ready, null));
            s.setState(State.Ready);
            byModel.put(m, s);
          }
        }
        continue;
      }
      if (models.contains(model)) {
        // Insertion order follows the first line of each model; re-put keeps it.
        byModel.put(model, model(line, model, status));
      }
    }
    return byModel;
  }

  static JsonNode json(String text) {
    String t = text.strip();
    if (!t.startsWith("{")) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(t);
      return node != null && node.isObject() ? node : null;
    } catch (Exception malformed) {
      return null;
    }
  }

  private static ModelStatus model(JsonNode line, String name, String status) {
    State state =
        switch (status) {
          case "waiting" -> State.Pending;
          case "verifying" -> State.Verifying;
          case "success" -> State.Ready;
          case "failed" -> State.Failed;
          default -> State.Downloading; // pulling, retrying
        };
    String message =
        switch (status) {
          case "waiting" -> "waiting for Ollama to start";
          case "verifying" -> "Ollama verifies and writes the model";
          case "retrying", "failed" -> text(line, status.equals("failed") ? "error" : "message");
          default -> null;
        };
    ModelStatus m = new ModelStatus(name, state, message);
    if (line.has("completed")) {
      m.setBytesCompleted(line.path("completed").asLong());
      m.setBytesTotal(line.path("total").asLong());
      m.setPercent(line.path("percent").asDouble());
      m.setBytesPerSecond(line.path("bytes_per_second").asLong());
    }
    if (line.path("eta_seconds").isNumber()) {
      m.setEtaSeconds(line.path("eta_seconds").asLong());
    }
    if (line.path("attempt").isInt()) {
      m.setAttempt(line.path("attempt").asInt());
    }
    String time = text(line, "time");
    if (time != null) {
      try {
        m.setUpdatedAt(Instant.parse(time).truncatedTo(ChronoUnit.SECONDS).toString());
      } catch (RuntimeException unparsable) {
        // left out
      }
    }
    return m;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isTextual() ? v.asText() : null;
  }

  /**
   * The message of a download that cannot succeed; marks the model it failed on. A full volume says
   * that the volume is too small and how big the models are.
   */
  static String failure(PodFacts pod, List<ModelStatus> models, String volumeSize) {
    JsonNode failed = null;
    String plain = null;
    if (pod.message() != null) {
      for (String text : pod.message().split("\n")) {
        JsonNode line = json(text);
        if (line != null && "failed".equals(line.path("status").asText())) {
          failed = line;
        } else if (!text.isBlank()) {
          plain = text.strip();
        }
      }
    }
    String model = failed == null ? null : text(failed, "model");
    String error =
        failed != null && text(failed, "error") != null
            ? text(failed, "error")
            : plain != null ? plain : "exit code " + pod.exitCode();
    if (model != null) {
      for (int i = 0; i < models.size(); i++) {
        if (models.get(i).getName().equals(model)) {
          ModelStatus m = model(failed, model, "failed");
          models.set(i, m);
        }
      }
    }
    if (pod.exitCode() == EXIT_DISK_FULL) {
      String before =
          models.stream()
              .filter(m -> m.getState() == State.Ready && m.getBytesTotal() != null)
              .map(m -> m.getName() + " " + Units.bytes(m.getBytesTotal()))
              .collect(Collectors.joining(", "));
      return "the model volume is too small (spec.local.storage.size "
          + volumeSize
          + "): "
          + error
          + (before.isEmpty() ? "" : "; already stored: " + before)
          + ". Give the volume more room (a new size starts a new download, which keeps what"
          + " is stored)";
    }
    if (pod.exitCode() == EXIT_USAGE) {
      return "the downloader could not start (exit code 2): " + error;
    }
    return (model == null ? "" : model + ": ") + error;
  }

  /**
   * When the newest pod that ran ended with a failure the Job retries (a stall after the pull's own
   * retries, Ollama unreachable), the model it was on says so.
   */
  private static void retrying(List<PodFacts> pods, List<ModelStatus> models) {
    Optional<PodFacts> source = logSource(pods);
    if (source.isEmpty() || source.get().exitCode() == null || source.get().exitCode() == 0) {
      return;
    }
    String why =
        "downloader pod "
            + source.get().name()
            + " ended (exit code "
            + source.get().exitCode()
            + "); the Job starts another, which resumes from the stored bytes";
    for (ModelStatus m : models) {
      if (m.getState() == State.Failed) {
        m.setState(State.Downloading);
        m.setEtaSeconds(null);
        m.setMessage(m.getMessage() == null ? why : m.getMessage() + "; " + why);
      }
    }
  }

  /**
   * The Job's state with what the progress says: a failure no retry can cure fails the download at
   * once (the Job would only retry it), and stays known between readings.
   */
  public static JobState jobState(
      JobState cached, DownloadSample sample, ChatbotDeploymentStatus old) {
    if (cached.kind() != JobState.Kind.RUNNING && cached.kind() != JobState.Kind.FAILED) {
      return cached;
    }
    if (sample != null && sample.failure() != null) {
      return cached.failed("model download failed: " + sample.failure());
    }
    DownloadStatus last = previous(old, cached);
    if (sample == null && last != null && last.getPhase() == State.Failed) {
      return cached.failed(last.getMessage());
    }
    return cached;
  }
}
