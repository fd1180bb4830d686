package dev.chatbot.operator.cli;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.ChildKinds;
import dev.chatbot.operator.migration.Migrations;
import dev.chatbot.operator.model.DesiredState;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.observer.Observation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The children the operator applies for a ChatbotDeployment once a phase serves, computed by the
 * operator's own stages (the migration step's plan, then the model), in the order of the
 * reconciler's workflow.
 */
final class Renderer {
  private Renderer() {}

  /**
   * The children of {@code cr} while {@code phase} serves: what every pass applies once a first
   * deployment or a phase change has finished.
   */
  static List<HasMetadata> render(ChatbotDeployment cr, Phase phase, OperatorSettings settings) {
    ChatbotDeployment serving = Serialization.clone(cr);
    serving.getSpec().setPhase(phase);
    ChatbotDeploymentStatus status = new ChatbotDeploymentStatus();
    status.setActivePhase(phase);
    serving.setStatus(status);
    Observation observed =
        new Observation(
            Map.of(phase, new Observation.Availability(1, 1, true)),
            null,
            Observation.JobState.NONE,
            null,
            "",
            null);
    Migrations.Step step = Migrations.decide(serving, observed, settings, Instant.EPOCH);
    List<HasMetadata> children = new ArrayList<>(DesiredState.of(step.plan()).children());
    String uid = cr.getMetadata().getUid();
    if (uid != null && !uid.isBlank()) {
      // JOSDK adds the owner reference at apply (the children are garbage-collected with it).
      children.forEach(c -> c.addOwnerReference(cr));
    }
    return inApplyOrder(children);
  }

  /** Multi-document YAML. */
  static String yaml(List<HasMetadata> children) {
    StringBuilder out = new StringBuilder();
    children.forEach(c -> out.append(Serialization.asYaml(c)));
    return out.toString();
  }

  /** Sorted by the workflow: a dependent after those it depends on, else in declared order. */
  static List<HasMetadata> inApplyOrder(List<HasMetadata> children) {
    List<HasMetadata> sorted = new ArrayList<>();
    for (Class<?> kind : ChildKinds.inApplyOrder()) {
      children.stream().filter(c -> c.getClass() == kind).forEach(sorted::add);
    }
    List<HasMetadata> unknown = new ArrayList<>(children);
    unknown.removeAll(sorted);
    if (!unknown.isEmpty()) {
      throw new IllegalStateException("no dependent in the workflow applies " + unknown);
    }
    return sorted;
  }
}
