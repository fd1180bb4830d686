package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the chatbot's answers come from. */
public enum Phase {
  /** Canned answers, tiny footprint, starts in seconds. */
  @JsonProperty("mock")
  MOCK("mock"),
  /** The Hugging Face router (OpenAI-compatible chat completions), token from a Secret. */
  @JsonProperty("huggingface")
  HUGGINGFACE("huggingface"),
  /** Private models served by an Ollama sidecar. */
  @JsonProperty("local")
  LOCAL("local");

  private final String value;

  Phase(String value) {
    this.value = value;
  }

  /** The value as written in the resource, also used in names and labels. */
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return value;
  }
}
