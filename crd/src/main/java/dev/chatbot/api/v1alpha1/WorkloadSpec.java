package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/**
 * What the backend and the frontend share: pods of the runtime image, a replica count or an
 * autoscaler, and container resources. The properties and their validation are declared here once;
 * each role documents them and states its defaults on its getters (the CRD generator merges both).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class WorkloadSpec {
  /** An OCI image reference: registry/name[:tag][@digest]. */
  public static final String IMAGE_PATTERN =
      "^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";

  @Pattern(IMAGE_PATTERN)
  private String image;

  @Min(0)
  @Max(100)
  private Integer replicas;

  private ComputeResources resources;

  private AutoscalingSpec autoscaling;

  protected WorkloadSpec(int replicas, AutoscalingSpec autoscaling) {
    this.replicas = replicas;
    this.autoscaling = autoscaling;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public ComputeResources getResources() {
    return resources;
  }

  public void setResources(ComputeResources resources) {
    this.resources = resources;
  }

  public AutoscalingSpec getAutoscaling() {
    return autoscaling;
  }

  public void setAutoscaling(AutoscalingSpec autoscaling) {
    this.autoscaling = autoscaling;
  }
}
