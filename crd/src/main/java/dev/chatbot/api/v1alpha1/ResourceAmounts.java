package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** An amount of CPU and memory, as Kubernetes quantities. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceAmounts {
  /** A Kubernetes quantity without exponent forms: 100m, 0.5, 2, 128Mi, 4Gi, 1G. */
  public static final String QUANTITY_PATTERN =
      "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";

  @Pattern(QUANTITY_PATTERN)
  @JsonPropertyDescription("CPU as a Kubernetes quantity, for example 100m or 1.5.")
  private String cpu;

  @Pattern(QUANTITY_PATTERN)
  @JsonPropertyDescription("Memory as a Kubernetes quantity, for example 128Mi or 4Gi.")
  private String memory;

  public ResourceAmounts() {}

  public ResourceAmounts(String cpu, String memory) {
    this.cpu = cpu;
    this.memory = memory;
  }

  public String getCpu() {
    return cpu;
  }

  public void setCpu(String cpu) {
    this.cpu = cpu;
  }

  public String getMemory() {
    return memory;
  }

  public void setMemory(String memory) {
    this.memory = memory;
  }
}
