package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A HorizontalPodAutoscaler on CPU. Missing fields take the role's defaults (see the field that
 * holds it), so the class itself carries no schema defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
    message = "minReplicas must be less than or equal to maxReplicas",
    fieldPath = ".minReplicas",
    reason = "FieldValueInvalid")
public class AutoscalingSpec {

  @JsonPropertyDescription(
      "Whether an autoscaler owns the replica count. While it does, the operator never writes"
          + " replicas.")
  private Boolean enabled;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Fewest replicas the autoscaler keeps. At most maxReplicas.")
  private Integer minReplicas;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Most replicas the autoscaler may start.")
  private Integer maxReplicas;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Average CPU use, in percent of the CPU request, the autoscaler aims at.")
  private Integer targetCPUUtilizationPercentage;

  public AutoscalingSpec() {}

  public AutoscalingSpec(
      Boolean enabled, Integer minReplicas, Integer maxReplicas, Integer target) {
    this.enabled = enabled;
    this.minReplicas = minReplicas;
    this.maxReplicas = maxReplicas;
    this.targetCPUUtilizationPercentage = target;
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Integer getMinReplicas() {
    return minReplicas;
  }

  public void setMinReplicas(Integer minReplicas) {
    this.minReplicas = minReplicas;
  }

  public Integer getMaxReplicas() {
    return maxReplicas;
  }

  public void setMaxReplicas(Integer maxReplicas) {
    this.maxReplicas = maxReplicas;
  }

  public Integer getTargetCPUUtilizationPercentage() {
    return targetCPUUtilizationPercentage;
  }

  public void setTargetCPUUtilizationPercentage(Integer targetCPUUtilizationPercentage) {
    this.targetCPUUtilizationPercentage = targetCPUUtilizationPercentage;
  }
}
