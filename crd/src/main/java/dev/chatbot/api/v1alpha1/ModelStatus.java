package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Download state of one local model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelStatus {

  /** Download states of a model. */
  public enum State {
    Pending,
    Downloading,
    Ready,
    Failed
  }

  @JsonPropertyDescription("The Ollama model name.")
  private String name;

  @JsonPropertyDescription("Pending, Downloading, Ready or Failed.")
  private State state;

  @JsonPropertyDescription("Why the model is not ready, when known.")
  private String message;

  public ModelStatus() {}

  public ModelStatus(String name, State state, String message) {
    this.name = name;
    this.state = state;
    this.message = message;
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
}
