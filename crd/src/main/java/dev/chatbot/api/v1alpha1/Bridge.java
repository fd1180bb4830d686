package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What serves a local chatbot while it has no model ready yet. */
public enum Bridge {
  /** The mock phase's canned answers. */
  @JsonProperty(Bridge.MOCK_VALUE)
  MOCK(Phase.MOCK),
  /** The huggingface phase (needs spec.huggingface: model and token). */
  @JsonProperty(Bridge.HUGGINGFACE_VALUE)
  HUGGINGFACE(Phase.HUGGINGFACE),
  /** Nothing: the chatbot answers once its local backend is ready. */
  @JsonProperty(Bridge.NONE_VALUE)
  NONE(null);

  /** The spellings in the resource. */
  public static final String MOCK_VALUE = "mock";

  public static final String HUGGINGFACE_VALUE = "huggingface";
  public static final String NONE_VALUE = "none";

  private final Phase phase;

  Bridge(Phase phase) {
    this.phase = phase;
  }

  /** The phase that serves as the bridge, null for none. */
  public Phase phase() {
    return phase;
  }
}
