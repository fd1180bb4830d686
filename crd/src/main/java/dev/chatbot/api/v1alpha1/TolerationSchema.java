package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The documented schema of a pod toleration, as in a Kubernetes pod spec. Only the CRD generator
 * reads it; the spec holds fabric8's {@code Toleration}.
 */
public final class TolerationSchema {
  @JsonPropertyDescription("Taint key the toleration applies to; empty with Exists means all.")
  public String key;

  @JsonPropertyDescription("Exists or Equal (default).")
  public String operator;

  @JsonPropertyDescription("Taint value to match with Equal.")
  public String value;

  @JsonPropertyDescription("Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute.")
  public String effect;

  @JsonPropertyDescription("For NoExecute: seconds the pod stays bound after the taint appears.")
  public Long tolerationSeconds;

  private TolerationSchema() {}
}
