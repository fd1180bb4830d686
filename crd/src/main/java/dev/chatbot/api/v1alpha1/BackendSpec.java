package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The chat API pods of the active phase. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackendSpec {
  /** An OCI image reference: registry/name[:tag][@digest]. */
  public static final String IMAGE_PATTERN =
      "^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";

  @Pattern(IMAGE_PATTERN)
  @JsonPropertyDescription(
      "The chatbot-runtime image. Empty means the image the operator was released with.")
  private String image;

  @Default("1")
  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "Backend replicas when autoscaling is off. Ignored while an autoscaler owns the count.")
  private Integer replicas = 1;

  @JsonPropertyDescription(
      "Requests and limits of the runtime container. Defaults by phase: mock 100m/128Mi,"
          + " huggingface 200m/256Mi, local 1500m/4Gi (the Ollama sidecar's, see"
          + " local.ollama.resources).")
  private ComputeResources resources;

  @Default(
      "{\"enabled\":false,\"minReplicas\":1,\"maxReplicas\":5,\"targetCPUUtilizationPercentage\":70}")
  @JsonPropertyDescription(
      "Backend autoscaler. Off by default; when on, defaults to 1 to 5 replicas at 70% CPU.")
  private AutoscalingSpec autoscaling = new AutoscalingSpec(false, 1, 5, 70);

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
