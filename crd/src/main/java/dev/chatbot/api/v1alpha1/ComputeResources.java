package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** CPU and memory requests and limits of one container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ComputeResources {

  @JsonPropertyDescription("What the scheduler reserves for the container.")
  private ResourceAmounts requests;

  @JsonPropertyDescription("The most the container may use.")
  private ResourceAmounts limits;

  public ComputeResources() {}

  public ComputeResources(ResourceAmounts requests, ResourceAmounts limits) {
    this.requests = requests;
    this.limits = limits;
  }

  public ResourceAmounts getRequests() {
    return requests;
  }

  public void setRequests(ResourceAmounts requests) {
    this.requests = requests;
  }

  public ResourceAmounts getLimits() {
    return limits;
  }

  public void setLimits(ResourceAmounts limits) {
    this.limits = limits;
  }
}
