package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The web chat page: the same runtime image in the frontend role, behind a public Service. */
@JsonInclude(JsonInclude.Include.NON_NULL)
// The order the fields had before the shared ones moved to WorkloadSpec (it shows in the CRD).
@JsonPropertyOrder({
  "enabled",
  "image",
  "replicas",
  "resources",
  "autoscaling",
  "service",
  "holdSeconds",
  "rateLimit"
})
public class FrontendSpec extends WorkloadSpec {
  public static final boolean DEFAULT_ENABLED = true;
  public static final int DEFAULT_REPLICAS = 2;
  public static final boolean DEFAULT_AUTOSCALING_ENABLED = true;
  public static final int DEFAULT_MIN_REPLICAS = 2;
  public static final int DEFAULT_MAX_REPLICAS = 10;
  public static final int DEFAULT_TARGET_CPU_PERCENT = 70;
  public static final int DEFAULT_HOLD_SECONDS = 30;

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

  @Default("" + DEFAULT_ENABLED)
  @JsonPropertyDescription(
      "Whether to run the frontend. When false, only the backend (an in-cluster API) runs.")
  private Boolean enabled = DEFAULT_ENABLED;

  @Default("{}")
  @JsonPropertyDescription("The Service users reach the chatbot through.")
  private ServiceSpec service = new ServiceSpec();

  @Default("" + DEFAULT_HOLD_SECONDS)
  @Min(0)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds the frontend holds a chat call while no backend pod is ready (a cold start, a"
          + " Recreate phase change, a crash loop) before answering 503 with Retry-After; 0 answers"
          + " at once.")
  private Integer holdSeconds = DEFAULT_HOLD_SECONDS;

  @Default("{}")
  @JsonPropertyDescription("The per-client limit of chat calls at the frontend.")
  private RateLimitSpec rateLimit = new RateLimitSpec();

  public FrontendSpec() {
    super(DEFAULT_REPLICAS, defaultAutoscaling());
  }

  /** A fresh copy of the frontend's default autoscaler settings. */
  public static AutoscalingSpec defaultAutoscaling() {
    return new AutoscalingSpec(
        DEFAULT_AUTOSCALING_ENABLED,
        DEFAULT_MIN_REPLICAS,
        DEFAULT_MAX_REPLICAS,
        DEFAULT_TARGET_CPU_PERCENT);
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  @Override
  @JsonPropertyDescription("The frontend image. Empty means the backend's runtime image.")
  public String getImage() {
    return super.getImage();
  }

  @Override
  @Default("" + DEFAULT_REPLICAS)
  @JsonPropertyDescription("Frontend replicas when autoscaling is off.")
  public Integer getReplicas() {
    return super.getReplicas();
  }

  @Override
  @JsonPropertyDescription("Requests and limits of the frontend container. Default 100m/128Mi.")
  public ComputeResources getResources() {
    return super.getResources();
  }

  @Override
  @Default(DEFAULT_AUTOSCALING)
  @JsonPropertyDescription(
      "Frontend autoscaler. On by default: 2 to 10 replicas at 70% CPU; missing fields take those"
          + " values.")
  public AutoscalingSpec getAutoscaling() {
    return super.getAutoscaling();
  }

  public ServiceSpec getService() {
    return service;
  }

  public void setService(ServiceSpec service) {
    this.service = service;
  }

  public Integer getHoldSeconds() {
    return holdSeconds;
  }

  public void setHoldSeconds(Integer holdSeconds) {
    this.holdSeconds = holdSeconds;
  }

  public RateLimitSpec getRateLimit() {
    return rateLimit;
  }

  public void setRateLimit(RateLimitSpec rateLimit) {
    this.rateLimit = rateLimit;
  }
}
