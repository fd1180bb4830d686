package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The desired chatbot. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.phase != 'huggingface' || (has(self.huggingface) && has(self.huggingface.model))",
    message = "spec.huggingface.model is required when phase is huggingface",
    fieldPath = ".huggingface.model",
    reason = "FieldValueRequired")
@ValidationRule(
    value =
        "self.phase != 'huggingface' || (has(self.huggingface) &&"
            + " has(self.huggingface.tokenSecretRef))",
    message = "spec.huggingface.tokenSecretRef is required when phase is huggingface",
    fieldPath = ".huggingface.tokenSecretRef",
    reason = "FieldValueRequired")
@ValidationRule(
    value = "self.phase != 'local' || (has(self.local) && has(self.local.models))",
    message = "spec.local.models is required when phase is local",
    fieldPath = ".local.models",
    reason = "FieldValueRequired")
@ValidationRule(
    value =
        "!has(self.local) || !has(self.local.bridge) || self.local.bridge != 'huggingface'"
            + " || (has(self.huggingface) && has(self.huggingface.model)"
            + " && has(self.huggingface.tokenSecretRef))",
    message =
        "spec.huggingface (model and tokenSecretRef) is required when local.bridge is"
            + " huggingface",
    fieldPath = ".huggingface",
    reason = "FieldValueRequired")
public class ChatbotDeploymentSpec {

  @Required
  @JsonPropertyDescription(
      "Where answers come from: mock (canned answers), huggingface (the Hugging Face router) or"
          + " local (models served by an Ollama sidecar). Changing it migrates the chatbot"
          + " make-before-break.")
  private Phase phase;

  @Default("{}")
  @JsonPropertyDescription("The chat API pods.")
  private BackendSpec backend = new BackendSpec();

  @Default("{}")
  @JsonPropertyDescription("The web chat page and its public Service.")
  private FrontendSpec frontend = new FrontendSpec();

  @Default("{}")
  @JsonPropertyDescription("Conversation settings handed to the runtime.")
  private ChatSpec chat = new ChatSpec();

  @JsonPropertyDescription("Settings of the huggingface phase. Required when phase is huggingface.")
  private HuggingFaceSpec huggingface;

  @JsonPropertyDescription("Settings of the local phase. Required when phase is local.")
  private LocalSpec local;

  @Default("{}")
  @JsonPropertyDescription("How a phase change is carried out.")
  private MigrationSpec migration = new MigrationSpec();

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public BackendSpec getBackend() {
    return backend;
  }

  public void setBackend(BackendSpec backend) {
    this.backend = backend;
  }

  public FrontendSpec getFrontend() {
    return frontend;
  }

  public void setFrontend(FrontendSpec frontend) {
    this.frontend = frontend;
  }

  public ChatSpec getChat() {
    return chat;
  }

  public void setChat(ChatSpec chat) {
    this.chat = chat;
  }

  public HuggingFaceSpec getHuggingface() {
    return huggingface;
  }

  public void setHuggingface(HuggingFaceSpec huggingface) {
    this.huggingface = huggingface;
  }

  public LocalSpec getLocal() {
    return local;
  }

  public void setLocal(LocalSpec local) {
    this.local = local;
  }

  public MigrationSpec getMigration() {
    return migration;
  }

  public void setMigration(MigrationSpec migration) {
    this.migration = migration;
  }
}
