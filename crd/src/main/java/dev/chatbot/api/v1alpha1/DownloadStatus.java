package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The model download as a whole, in words for `kubectl get -o wide` (a printer column shows only
 * the first element of a list, so the per-model numbers of status.models are summed up here).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DownloadStatus {

  @JsonPropertyDescription("The downloader Job these figures come from.")
  private String job;

  @JsonPropertyDescription(
      "That Job's uid: a Job made again under the same name is a new download.")
  private String jobUid;

  // Named so that the printer columns, which the generator orders by JSON path, read phase,
  // progress, rate, time left.
  @JsonPropertyDescription("Pending, Downloading, Verifying, Ready or Failed.")
  private ModelStatus.State phase;

  @JsonPropertyDescription(
      "The model downloading now and its share, and how many models are ready, e.g."
          + " \"qwen2.5:0.5b 45.0%, 1/2 ready\".")
  private String progress;

  @JsonPropertyDescription("Download rate of the model downloading now, e.g. \"8.4 MB/s\".")
  private String rate;

  @JsonPropertyDescription("Estimated time left for the model downloading now, e.g. \"2m10s\".")
  private String timeLeft;

  @JsonPropertyDescription(
      "When the operator last read the downloader's progress (RFC 3339): at most every 10 s.")
  private String sampledAt;

  @JsonPropertyDescription("Why the download failed, or why its progress cannot be read.")
  private String message;

  public String getJob() {
    return job;
  }

  public void setJob(String job) {
    this.job = job;
  }

  public String getJobUid() {
    return jobUid;
  }

  public void setJobUid(String jobUid) {
    this.jobUid = jobUid;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public ModelStatus.State getPhase() {
    return phase;
  }

  public void setPhase(ModelStatus.State phase) {
    this.phase = phase;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public String getRate() {
    return rate;
  }

  public void setRate(String rate) {
    this.rate = rate;
  }

  public String getTimeLeft() {
    return timeLeft;
  }

  public void setTimeLeft(String timeLeft) {
    this.timeLeft = timeLeft;
  }

  public String getSampledAt() {
    return sampledAt;
  }

  public void setSampledAt(String sampledAt) {
    this.sampledAt = sampledAt;
  }
}
