package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed. Written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ChatbotDeploymentStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("The phase whose backend serves traffic now.")
  private Phase activePhase;

  @JsonPropertyDescription(
      "The phase asked for in spec.phase. Differs from activePhase while a migration runs or"
          + " after it failed.")
  private Phase targetPhase;

  @JsonPropertyDescription("The last or current phase change.")
  private MigrationStatus migration;

  @JsonPropertyDescription(
      "Ready, Progressing, Degraded and ModelReady, in the standard Kubernetes shape.")
  @SchemaFrom(type = ConditionSchema[].class)
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Replicas of the active backend.")
  private ReplicaStatus backend;

  @JsonPropertyDescription("Replicas of the frontend.")
  private ReplicaStatus frontend;

  @JsonPropertyDescription(
      "Where users reach the chatbot: the load balancer's address, or the Service's cluster DNS"
          + " name until it has one.")
  private String endpoint;

  @JsonPropertyDescription(
      "The phase serving as a bridge while the local models are not ready yet (spec.local.bridge);"
          + " empty otherwise.")
  private Phase bridge;

  @JsonPropertyDescription("Per-model download state of the local phase.")
  private List<ModelStatus> models;

  @JsonPropertyDescription("The model download as a whole (shown by kubectl get -o wide).")
  private DownloadStatus download;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Phase getActivePhase() {
    return activePhase;
  }

  public void setActivePhase(Phase activePhase) {
    this.activePhase = activePhase;
  }

  public Phase getTargetPhase() {
    return targetPhase;
  }

  public void setTargetPhase(Phase targetPhase) {
    this.targetPhase = targetPhase;
  }

  public MigrationStatus getMigration() {
    return migration;
  }

  public void setMigration(MigrationStatus migration) {
    this.migration = migration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public ReplicaStatus getBackend() {
    return backend;
  }

  public void setBackend(ReplicaStatus backend) {
    this.backend = backend;
  }

  public ReplicaStatus getFrontend() {
    return frontend;
  }

  public void setFrontend(ReplicaStatus frontend) {
    this.frontend = frontend;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public Phase getBridge() {
    return bridge;
  }

  public void setBridge(Phase bridge) {
    this.bridge = bridge;
  }

  public DownloadStatus getDownload() {
    return download;
  }

  public void setDownload(DownloadStatus download) {
    this.download = download;
  }

  public List<ModelStatus> getModels() {
    return models;
  }

  public void setModels(List<ModelStatus> models) {
    this.models = models;
  }
}
