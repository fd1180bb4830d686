package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The web chat page: the same runtime image in the frontend role, behind a public Service. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FrontendSpec {

  @Default("true")
  @JsonPropertyDescription(
      "Whether to run the frontend. When false, only the backend (an in-cluster API) runs.")
  private Boolean enabled = true;

  @Pattern(BackendSpec.IMAGE_PATTERN)
  @JsonPropertyDescription("The frontend image. Empty means the backend's runtime image.")
  private String image;

  @Default("2")
  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Frontend replicas when autoscaling is off.")
  private Integer replicas = 2;

  @JsonPropertyDescription("Requests and limits of the frontend container. Default 100m/128Mi.")
  private ComputeResources resources;

  @Default(
      "{\"enabled\":true,\"minReplicas\":2,\"maxReplicas\":10,\"targetCPUUtilizationPercentage\":70}")
  @JsonPropertyDescription(
      "Frontend autoscaler. On by default: 2 to 10 replicas at 70% CPU; missing fields take those"
          + " values.")
  private AutoscalingSpec autoscaling = new AutoscalingSpec(true, 2, 10, 70);

  @Default("{}")
  @JsonPropertyDescription("The Service users reach the chatbot through.")
  private ServiceSpec service = new ServiceSpec();

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
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

  public ServiceSpec getService() {
    return service;
  }

  public void setService(ServiceSpec service) {
    this.service = service;
  }
}
