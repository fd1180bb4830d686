package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every child a plan calls for, computed once per pass. Pure: no client, no clock, no randomness.
 *
 * @param plan the decision it was computed from
 * @param children the children, configuration and storage before the pods that use them
 */
public record DesiredState(Plan plan, List<HasMetadata> children) {

  public static DesiredState of(Plan plan) {
    ChatbotDeployment cr = plan.cr();
    OperatorSettings settings = plan.settings();
    List<HasMetadata> out = new ArrayList<>();
    for (Phase phase : Phase.values()) {
      if (!plan.backends().contains(phase)) {
        continue;
      }
      ConfigMap config = ConfigMaps.backend(cr, phase);
      String extra = plan.rollHashes().getOrDefault(phase, "");
      out.add(config);
      out.add(
          Deployments.backend(cr, phase, settings, RuntimeConfig.hash(config.getData(), extra)));
      out.add(Autoscalers.backend(cr, phase, settings));
    }
    out.add(Services.backend(cr, plan.serving()));
    out.add(NetworkPolicies.backend(cr, settings));
    if (Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled())) {
      out.add(ConfigMaps.frontend(cr));
      out.add(Deployments.frontend(cr, settings));
      out.add(Services.frontend(cr));
      out.add(Autoscalers.frontend(cr, settings));
    }
    if (plan.modelStorage()) {
      out.add(Storage.modelClaim(cr));
    }
    if (plan.downloadJob()) {
      out.add(Storage.downloadJob(cr, settings));
    }
    out.removeIf(Objects::isNull);
    return new DesiredState(plan, List.copyOf(out));
  }

  /** The children of one kind. */
  public <R extends HasMetadata> List<R> ofType(Class<R> type) {
    return children.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
