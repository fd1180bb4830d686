package dev.chatbot.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.DownloadStatus;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.ModelStatus.State;
import dev.chatbot.operator.observer.DownloadLog.PodFacts;
import dev.chatbot.operator.observer.Observation.JobState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pull command's lines (docs/runtime-contract.md) as per-model progress, without a cluster. */
class DownloadLogTest {
  static final Instant T0 = Instant.parse("2026-11-30T05:00:00Z");
  static final JobState RUNNING =
      new JobState(JobState.Kind.RUNNING, "downloading", "chat-download-1", "uid-1");
  static final List<String> MODELS = List.of("qwen2.5:0.5b", "llama3.2");

  static final String PULLING =
      "{\"time\":\"2026-11-30T04:59:56.904445824Z\",\"model\":\"qwen2.5:0.5b\",\"status\":"
          + "\"pulling\",\"completed\":9000000,\"total\":29990764,\"percent\":30.0,"
          + "\"bytes_per_second\":8419159,\"eta_seconds\":2,\"attempt\":1}";

  static PodFacts pod(String name, int secondsAfterT0, Integer exitCode, String message) {
    return new PodFacts(name, T0.plusSeconds(secondsAfterT0), true, exitCode, message);
  }

  @Test
  void theLastLineOfEachModelIsItsProgressAndLaterModelsWait() {
    String log =
        "{\"time\":\"2026-11-30T04:59:50Z\",\"model\":\"qwen2.5:0.5b\",\"status\":\"waiting\"}\n"
            + "chatbot-runtime pull: a plain stderr line is skipped\n"
            + PULLING
            + "\n{\"truncated\":";
    DownloadSample s =
        DownloadLog.sample(
            RUNNING, MODELS, List.of(pod("p1", 0, null, null)), log, null, T0, "20Gi");
    assertThat(s.failure()).isNull();
    assertThat(s.models()).hasSize(2);
    ModelStatus q = s.models().get(0);
    assertThat(q.getState()).isEqualTo(State.Downloading);
    assertThat(q.getBytesCompleted()).isEqualTo(9_000_000L);
    assertThat(q.getBytesTotal()).isEqualTo(29_990_764L);
    assertThat(q.getPercent()).isEqualTo(30.0);
    assertThat(q.getBytesPerSecond()).isEqualTo(8_419_159L);
    assertThat(q.getEtaSeconds()).isEqualTo(2L);
    assertThat(q.getAttempt()).isEqualTo(1);
    assertThat(q.getUpdatedAt()).isEqualTo("2026-11-30T04:59:56Z");
    assertThat(s.models().get(1).getState()).isEqualTo(State.Pending);
  }

  @Test
  void aFullVolumeFailsAtOnceSayingTheVolumeIsTooSmallAndHowBigTheModelIs() {
    String failed =
        "{\"time\":\"2026-11-30T04:52:37.584260488Z\",\"model\":\"llama3.2\",\"status\":\"failed\","
            + "\"completed\":20000000,\"total\":29990764,\"percent\":66.6,\"attempt\":1,"
            + "\"reason\":\"disk_full\",\"error\":\"no space left on device: model llama3.2 needs"
            + " at least 30.0 MB (29990764 bytes), 20.0 MB (20000000 bytes) of it were stored when"
            + " the volume filled\"}";
    String log =
        "{\"time\":\"2026-11-30T04:52:30Z\",\"model\":\"qwen2.5:0.5b\",\"status\":\"success\","
            + "\"completed\":5000,\"total\":5000,\"percent\":100.0}\n"
            + failed;
    DownloadSample s =
        DownloadLog.sample(
            RUNNING, MODELS, List.of(pod("p1", 0, 3, failed + "\n")), log, null, T0, "1Gi");
    assertThat(s.failure())
        .contains("the model volume is too small (spec.local.storage.size 1Gi)")
        .contains("needs at least 30.0 MB")
        .contains("already stored: qwen2.5:0.5b 5.0 kB");
    assertThat(s.models().get(1).getState()).isEqualTo(State.Failed);
    assertThat(DownloadLog.jobState(RUNNING, s, null).kind()).isEqualTo(JobState.Kind.FAILED);
    assertThat(DownloadLog.jobState(RUNNING, s, null).message())
        .startsWith("model download failed: the model volume is too small");
  }

  @Test
  void aStalledPodIsRetriedByTheJobAndItsSuccessorResumes() {
    String stalled =
        "{\"model\":\"qwen2.5:0.5b\",\"status\":\"failed\",\"reason\":\"stalled\",\"error\":\"no"
            + " progress for 120 s\"}";
    String resumed =
        PULLING.replace("\"attempt\":1", "\"attempt\":1").replace("9000000", "15000000");
    // The first pod ended with exit code 4 (stalled after its retries); the Job's next pod runs.
    List<PodFacts> pods = List.of(pod("p1", 0, 4, stalled), pod("p2", 300, null, null));
    assertThat(DownloadLog.logSource(pods)).get().extracting(PodFacts::name).isEqualTo("p2");
    DownloadSample s = DownloadLog.sample(RUNNING, MODELS, pods, resumed, null, T0, "20Gi");
    assertThat(s.failure()).as("a stall is not a failure of the download").isNull();
    assertThat(s.models().get(0).getBytesCompleted()).isEqualTo(15_000_000L);
    // While no pod runs yet (between the Job's attempts), the stalled one tells why.
    DownloadSample between =
        DownloadLog.sample(
            RUNNING, MODELS, List.of(pod("p1", 0, 4, stalled)), stalled, null, T0, "20Gi");
    assertThat(between.failure()).isNull();
    assertThat(between.models().get(0).getState()).isEqualTo(State.Downloading);
    assertThat(between.models().get(0).getMessage())
        .contains("no progress for 120 s")
        .contains("the Job starts another, which resumes from the stored bytes");
  }

  @Test
  void readAtMostEveryTenSecondsWhileRunningAndOnceMoreAtTheEnd() {
    assertThat(DownloadLog.due(null, RUNNING, T0)).isTrue();
    ChatbotDeploymentStatus old = new ChatbotDeploymentStatus();
    DownloadStatus d = new DownloadStatus();
    d.setJob("chat-download-1");
    d.setJobUid("uid-1");
    d.setPhase(State.Downloading);
    d.setSampledAt(T0.toString());
    old.setDownload(d);
    assertThat(DownloadLog.due(old, RUNNING, T0.plusSeconds(9))).isFalse();
    assertThat(DownloadLog.due(old, RUNNING, T0.plusSeconds(10))).isTrue();
    JobState done =
        new JobState(JobState.Kind.SUCCEEDED, "models downloaded", "chat-download-1", "uid-1");
    assertThat(DownloadLog.due(old, done, T0.plusSeconds(1))).as("the final figures").isTrue();
    d.setPhase(State.Ready);
    assertThat(DownloadLog.due(old, done, T0.plusSeconds(60))).isFalse();
    // A Job made again under the same name is a new download.
    JobState again = new JobState(JobState.Kind.RUNNING, "downloading", "chat-download-1", "uid-2");
    d.setPhase(State.Downloading);
    assertThat(DownloadLog.due(old, again, T0.plusSeconds(1))).isTrue();
    assertThat(DownloadLog.due(old, JobState.NONE, T0.plusSeconds(60))).isFalse();
  }

  @Test
  void aFailureReadOnceStaysKnownBetweenReadings() {
    ChatbotDeploymentStatus old = new ChatbotDeploymentStatus();
    DownloadStatus d = new DownloadStatus();
    d.setJob("chat-download-1");
    d.setJobUid("uid-1");
    d.setPhase(State.Failed);
    d.setMessage("model download failed: the model volume is too small");
    old.setDownload(d);
    JobState j = DownloadLog.jobState(RUNNING, null, old);
    assertThat(j.kind()).isEqualTo(JobState.Kind.FAILED);
    assertThat(j.message()).contains("too small");
  }

  @Test
  void unitsAsPeopleReadThem() {
    assertThat(Units.bytes(512)).isEqualTo("512 B");
    assertThat(Units.rate(8_419_159)).isEqualTo("8.4 MB/s");
    assertThat(Units.duration(45)).isEqualTo("45s");
    assertThat(Units.duration(130)).isEqualTo("2m10s");
    assertThat(Units.duration(3900)).isEqualTo("1h05m");
    assertThat(Units.percent(45)).isEqualTo("45.0%");
  }
}
