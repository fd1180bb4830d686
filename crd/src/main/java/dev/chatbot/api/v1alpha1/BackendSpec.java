package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** The chat API pods of the active phase. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackendSpec extends WorkloadSpec {
  public static final int DEFAULT_REPLICAS = 1;
  public static final boolean DEFAULT_AUTOSCALING_ENABLED = false;
  public static final int DEFAULT_MIN_REPLICAS = 1;
  public static final int DEFAULT_MAX_REPLICAS = 5;
  public static final int DEFAULT_TARGET_CPU_PERCENT = 70;

  static final String DEFAULT_AUTOSCALING =
      "{\"enabled\":"
          + DEFAULT_AUTOSCALING_ENABLED
          + ",\"minReplicas\":"
          + DEFAULT_MIN_REPLICAS
          + ",\"maxReplicas\":"
          + DEFAULT_MAX_REPLICAS
          + ",\"targetCPUUtilizationPercentage\":"
          + DEFAULT_TARGET_CPU_PERCENT
          + "}";

  public BackendSpec() {
    super(DEFAULT_REPLICAS, defaultAutoscaling());
  }

  /** A fresh copy of the backend's default autoscaler settings. */
  public static AutoscalingSpec defaultAutoscaling() {
    return new AutoscalingSpec(
        DEFAULT_AUTOSCALING_ENABLED,
        DEFAULT_MIN_REPLICAS,
        DEFAULT_MAX_REPLICAS,
        DEFAULT_TARGET_CPU_PERCENT);
  }

  @Override
  @JsonPropertyDescription(
      "The chatbot-runtime image. Empty means the image the operator was released with.")
  public String getImage() {
    return super.getImage();
  }

  @Override
  @Default("" + DEFAULT_REPLICAS)
  @JsonPropertyDescription(
      "Backend replicas when autoscaling is off. Ignored while an autoscaler owns the count.")
  public Integer getReplicas() {
    return super.getReplicas();
  }

  @Override
  @JsonPropertyDescription(
      "Requests and limits of the runtime container. Defaults by phase: mock 100m/128Mi,"
          + " huggingface 200m/256Mi, local 1500m/4Gi (the Ollama sidecar's, see"
          + " local.ollama.resources).")
  public ComputeResources getResources() {
    return super.getResources();
  }

  @Override
  @Default(DEFAULT_AUTOSCALING)
  @JsonPropertyDescription(
      "Backend autoscaler. Off by default; when on, defaults to 1 to 5 replicas at 70% CPU.")
  public AutoscalingSpec getAutoscaling() {
    return super.getAutoscaling();
  }
}
