package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The Ollama sidecar of the local phase. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OllamaSpec {
  public static final String DEFAULT_IMAGE = "ollama/ollama:0.12.6";
  public static final int DEFAULT_GPUS = 0;
  public static final String DEFAULT_GPU_RESOURCE_NAME = "nvidia.com/gpu";

  @Default(DEFAULT_IMAGE)
  @Pattern(WorkloadSpec.IMAGE_PATTERN)
  @JsonPropertyDescription(
      "Ollama image. With modelSource image, an image built with the models inside.")
  private String image = DEFAULT_IMAGE;

  @JsonPropertyDescription("Requests and limits of the Ollama container. Default 1500m/4Gi.")
  private ComputeResources resources;

  @Default("" + DEFAULT_GPUS)
  @Min(0)
  @Max(16)
  @JsonPropertyDescription("GPUs requested by the Ollama container (0 means CPU only).")
  private Integer gpus = DEFAULT_GPUS;

  @Default(DEFAULT_GPU_RESOURCE_NAME)
  @Pattern("^[a-z0-9.-]+/[a-z0-9.-]+$")
  @JsonPropertyDescription("Extended resource name of a GPU on this cluster.")
  private String gpuResourceName = DEFAULT_GPU_RESOURCE_NAME;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public ComputeResources getResources() {
    return resources;
  }

  public void setResources(ComputeResources resources) {
    this.resources = resources;
  }

  public Integer getGpus() {
    return gpus;
  }

  public void setGpus(Integer gpus) {
    this.gpus = gpus;
  }

  public String getGpuResourceName() {
    return gpuResourceName;
  }

  public void setGpuResourceName(String gpuResourceName) {
    this.gpuResourceName = gpuResourceName;
  }
}
