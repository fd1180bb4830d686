package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last or current phase change. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationStatus {

  @JsonPropertyDescription("The phase the change started from; empty on first deployment.")
  private Phase fromPhase;

  @JsonPropertyDescription("The phase the change moves to.")
  private Phase toPhase;

  @JsonPropertyDescription(
      "Preparing, Downloading, StartingBackend, SmokeTesting, Switching, Completed, Failed or"
          + " Aborted.")
  private MigrationState state;

  @JsonPropertyDescription("When the change started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the change entered its current state (RFC 3339).")
  private String stateSince;

  @JsonPropertyDescription(
      "When the target backend was first started (RFC 3339). progressDeadlineSeconds counts from"
          + " here, so a backend that loses availability and comes back does not restart it.")
  private String backendStartedAt;

  @JsonPropertyDescription("When the change completed or failed (RFC 3339).")
  private String finishedAt;

  @JsonPropertyDescription("What is happening or what went wrong.")
  private String message;

  @JsonPropertyDescription(
      "Why the change failed, as a CamelCase reason (SecretNotFound, ModelDownloadFailed,"
          + " ProgressDeadlineExceeded, SmokeTestFailed).")
  private String reason;

  @JsonPropertyDescription(
      "The metadata.generation the change was started for. A failed change is retried when the"
          + " resource changes.")
  private Long generation;

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Long getGeneration() {
    return generation;
  }

  public void setGeneration(Long generation) {
    this.generation = generation;
  }

  /** A copy, so a pass can change it without touching the status it read. */
  public MigrationStatus copy() {
    MigrationStatus c = new MigrationStatus();
    c.fromPhase = fromPhase;
    c.toPhase = toPhase;
    c.state = state;
    c.startedAt = startedAt;
    c.stateSince = stateSince;
    c.backendStartedAt = backendStartedAt;
    c.finishedAt = finishedAt;
    c.message = message;
    c.reason = reason;
    c.generation = generation;
    return c;
  }

  public Phase getFromPhase() {
    return fromPhase;
  }

  public void setFromPhase(Phase fromPhase) {
    this.fromPhase = fromPhase;
  }

  public Phase getToPhase() {
    return toPhase;
  }

  public void setToPhase(Phase toPhase) {
    this.toPhase = toPhase;
  }

  public MigrationState getState() {
    return state;
  }

  public void setState(MigrationState state) {
    this.state = state;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getStateSince() {
    return stateSince;
  }

  public void setStateSince(String stateSince) {
    this.stateSince = stateSince;
  }

  public String getBackendStartedAt() {
    return backendStartedAt;
  }

  public void setBackendStartedAt(String backendStartedAt) {
    this.backendStartedAt = backendStartedAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
