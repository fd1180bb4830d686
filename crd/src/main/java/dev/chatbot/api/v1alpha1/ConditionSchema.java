package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * The documented schema of a status condition (the standard Kubernetes shape). Only the CRD
 * generator reads it; the status holds fabric8's {@code Condition}.
 */
public final class ConditionSchema {
  @Required
  @JsonPropertyDescription("Ready, Progressing, Degraded, ModelReady or AutoscalingAvailable.")
  public String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  public String status;

  @JsonPropertyDescription("Why, as a CamelCase word, for example InvalidSpec or SecretNotFound.")
  public String reason;

  @JsonPropertyDescription("What a person should know, naming the field or object concerned.")
  public String message;

  @JsonPropertyDescription("The metadata.generation the condition was set for.")
  public Long observedGeneration;

  @JsonPropertyDescription("When the status last changed (RFC 3339); stable while it stays.")
  public String lastTransitionTime;

  private ConditionSchema() {}
}
