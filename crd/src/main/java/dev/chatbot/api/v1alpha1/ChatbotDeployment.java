package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A chatbot: one resource that the operator turns into everything a working chatbot needs. */
@Group(ChatbotDeployment.GROUP)
@Version(ChatbotDeployment.VERSION)
@Kind("ChatbotDeployment")
@Plural("chatbotdeployments")
@Singular("chatbotdeployment")
@ShortNames({"cbd", "chatbot"})
@JsonClassDescription(
    "A chatbot served in one of three phases (mock, huggingface, local). The operator creates its"
        + " backend and frontend, autoscalers, Services and model storage, and moves it between"
        + " phases make-before-break.")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".spec.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Active",
    jsonPath = ".status.activePhase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Endpoint",
    jsonPath = ".status.endpoint",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Bridge",
    jsonPath = ".status.bridge",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Download",
    jsonPath = ".status.download.phase",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.download.progress",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Rate",
    jsonPath = ".status.download.rate",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "ETA",
    jsonPath = ".status.download.timeLeft",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ChatbotDeployment
    extends CustomResource<ChatbotDeploymentSpec, ChatbotDeploymentStatus> implements Namespaced {
  public static final String GROUP = "chatbot.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected ChatbotDeploymentStatus initStatus() {
    return new ChatbotDeploymentStatus();
  }
}
