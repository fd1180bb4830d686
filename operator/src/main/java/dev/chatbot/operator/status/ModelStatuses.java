package dev.chatbot.operator.status;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.DownloadStatus;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.ModelStatus.State;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.observer.DownloadLog;
import dev.chatbot.operator.observer.DownloadSample;
import dev.chatbot.operator.observer.Observation.JobState;
import dev.chatbot.operator.observer.Units;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code status.models} and {@code status.download}: the last reading of the downloader's progress
 * (or, between readings, what the status already says), settled by the Job's own state. Pure.
 */
final class ModelStatuses {
  private ModelStatuses() {}

  /** A download that failed and whose Job is gone since (a failed change deletes it) stays told. */
  private static boolean failureKept(ChatbotDeploymentStatus old, JobState job) {
    DownloadStatus d = old.getDownload();
    return job.kind() == JobState.Kind.NONE
        && d != null
        && job.name() != null
        && job.name().equals(d.getJob())
        && d.getPhase() == State.Failed;
  }

  static List<ModelStatus> models(
      ChatbotDeployment cr, JobState job, DownloadSample sample, ChatbotDeploymentStatus old) {
    var local = cr.getSpec().getLocal();
    if (local == null || local.getModels() == null) {
      return null;
    }
    if (Defaults.modelSource(local) == ModelSource.IMAGE) {
      return local.getModels().stream()
          .map(name -> new ModelStatus(name, State.Ready, "in the image"))
          .toList();
    }
    if (failureKept(old, job) && old.getModels() != null) {
      return old.getModels();
    }
    Map<String, ModelStatus> known = new HashMap<>();
    List<ModelStatus> base =
        sample != null && !sample.models().isEmpty()
            ? sample.models()
            : DownloadLog.previous(old, job) != null && old.getModels() != null
                ? old.getModels()
                : List.of();
    base.forEach(m -> known.put(m.getName(), m.copy()));
    List<ModelStatus> out = new ArrayList<>();
    for (String name : local.getModels()) {
      ModelStatus m = known.get(name);
      switch (job.kind()) {
        case SUCCEEDED -> {
          if (m == null) {
            m = new ModelStatus(name, State.Ready, null);
          }
          m.setState(State.Ready);
          m.setMessage(null);
          m.setEtaSeconds(null);
          if (m.getBytesTotal() != null) {
            m.setBytesCompleted(m.getBytesTotal());
            m.setPercent(100.0);
          }
        }
        case FAILED -> {
          if (m == null) {
            m = new ModelStatus(name, State.Failed, job.message());
          } else if (m.getState() != State.Ready) {
            if (m.getState() != State.Failed || m.getMessage() == null) {
              m.setMessage(job.message());
            }
            m.setState(State.Failed);
            m.setEtaSeconds(null);
          }
        }
        case RUNNING -> {
          if (m == null) {
            m = new ModelStatus(name, State.Downloading, null);
          }
        }
        case NONE -> m = new ModelStatus(name, State.Pending, null);
      }
      out.add(m);
    }
    return out;
  }

  /** The download as a whole, for the printer columns; null without a downloader. */
  static DownloadStatus download(
      JobState job, DownloadSample sample, List<ModelStatus> models, ChatbotDeploymentStatus old) {
    if (models == null || job.name() == null) {
      return null;
    }
    if (failureKept(old, job)) {
      return old.getDownload();
    }
    DownloadStatus last = DownloadLog.previous(old, job);
    DownloadStatus d = new DownloadStatus();
    d.setJob(job.name());
    d.setJobUid(job.uid());
    ModelStatus current =
        models.stream()
            .filter(m -> m.getState() == State.Downloading || m.getState() == State.Verifying)
            .findFirst()
            .orElse(
                models.stream().filter(m -> m.getState() != State.Ready).findFirst().orElse(null));
    long ready = models.stream().filter(m -> m.getState() == State.Ready).count();
    d.setPhase(
        switch (job.kind()) {
          case NONE -> State.Pending;
          case SUCCEEDED -> State.Ready;
          case FAILED -> State.Failed;
          case RUNNING ->
              current != null && current.getState() != State.Failed
                  ? current.getState()
                  : State.Downloading;
        });
    String counted = ready + "/" + models.size() + " ready";
    if (current == null || job.kind() == JobState.Kind.SUCCEEDED) {
      d.setProgress(counted);
    } else {
      d.setProgress(
          current.getName()
              + (current.getPercent() == null ? "" : " " + Units.percent(current.getPercent()))
              + ", "
              + counted);
      boolean flowing = current.getState() == State.Downloading;
      if (flowing && current.getBytesPerSecond() != null && current.getBytesPerSecond() > 0) {
        d.setRate(Units.rate(current.getBytesPerSecond()));
      }
      if (flowing && current.getEtaSeconds() != null) {
        d.setTimeLeft(Units.duration(current.getEtaSeconds()));
      }
    }
    if (sample != null) {
      d.setSampledAt(sample.sampledAt().toString());
    } else if (last != null) {
      d.setSampledAt(last.getSampledAt());
    }
    if (job.kind() == JobState.Kind.FAILED) {
      d.setMessage(job.message());
    } else if (sample != null) {
      d.setMessage(sample.problem());
    } else if (last != null) {
      d.setMessage(last.getMessage());
    }
    return d;
  }
}
