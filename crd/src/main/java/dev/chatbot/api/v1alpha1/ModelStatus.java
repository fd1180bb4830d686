package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Download state of one local model, as the downloader last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelStatus {

  /** Download states of a model. */
  public enum State {
    Pending,
    Downloading,
    Verifying,
    Ready,
    Failed
  }

  @JsonPropertyDescription("The Ollama model name.")
  private String name;

  @JsonPropertyDescription(
      "Pending, Downloading, Verifying (Ollama checks and writes the model), Ready or Failed.")
  private State state;

  @JsonPropertyDescription(
      "Why the model is not ready, or what the downloader is doing, when known.")
  private String message;

  @JsonPropertyDescription(
      "Bytes stored so far, of the layers Ollama has announced (it announces them one by one).")
  private Long bytesCompleted;

  @JsonPropertyDescription("Bytes of the layers announced so far; the model's size once complete.")
  private Long bytesTotal;

  @JsonPropertyDescription("bytesCompleted of bytesTotal in percent, one decimal.")
  private Double percent;

  @JsonPropertyDescription("Download rate over the downloader's last interval, bytes a second.")
  private Long bytesPerSecond;

  @JsonPropertyDescription("Estimated seconds left at that rate; empty when unknown.")
  private Long etaSeconds;

  @JsonPropertyDescription("The downloader's attempt at this model: 1, plus one per retry.")
  private Integer attempt;

  @JsonPropertyDescription(
      "When the downloader reported these numbers (RFC 3339); read at most every 10 s.")
  private String updatedAt;

  public ModelStatus() {}

  public ModelStatus(String name, State state, String message) {
    this.name = name;
    this.state = state;
    this.message = message;
  }

  /** A copy, so a pass can change it without touching the status it read. */
  public ModelStatus copy() {
    ModelStatus c = new ModelStatus(name, state, message);
    c.bytesCompleted = bytesCompleted;
    c.bytesTotal = bytesTotal;
    c.percent = percent;
    c.bytesPerSecond = bytesPerSecond;
    c.etaSeconds = etaSeconds;
    c.attempt = attempt;
    c.updatedAt = updatedAt;
    return c;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public State getState() {
    return state;
  }

  public void setState(State state) {
    this.state = state;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Long getBytesCompleted() {
    return bytesCompleted;
  }

  public void setBytesCompleted(Long bytesCompleted) {
    this.bytesCompleted = bytesCompleted;
  }

  public Long getBytesTotal() {
    return bytesTotal;
  }

  public void setBytesTotal(Long bytesTotal) {
    this.bytesTotal = bytesTotal;
  }

  public Double getPercent() {
    return percent;
  }

  public void setPercent(Double percent) {
    this.percent = percent;
  }

  public Long getBytesPerSecond() {
    return bytesPerSecond;
  }

  public void setBytesPerSecond(Long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  public Long getEtaSeconds() {
    return etaSeconds;
  }

  public void setEtaSeconds(Long etaSeconds) {
    this.etaSeconds = etaSeconds;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public String getUpdatedAt() {
    return updatedAt;
  }

  public void setUpdatedAt(String updatedAt) {
    this.updatedAt = updatedAt;
  }
}
