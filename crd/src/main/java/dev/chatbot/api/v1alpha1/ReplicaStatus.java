package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Replica counts of one Deployment. */
public class ReplicaStatus {

  @JsonPropertyDescription("Replicas the Deployment wants.")
  private Integer replicas;

  @JsonPropertyDescription("Replicas that pass their readiness probe.")
  private Integer readyReplicas;

  public ReplicaStatus() {}

  public ReplicaStatus(Integer replicas, Integer readyReplicas) {
    this.replicas = replicas;
    this.readyReplicas = readyReplicas;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }
}
