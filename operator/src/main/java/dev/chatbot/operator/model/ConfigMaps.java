package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

/** The runtime configuration ConfigMaps. */
public final class ConfigMaps {
  private ConfigMaps() {}

  public static ConfigMap backend(ChatbotDeployment cr, Phase phase) {
    return new ConfigMapBuilder()
        .withMetadata(Meta.of(cr, Names.backend(cr, phase), Names.backendLabels(cr, phase)))
        .withData(RuntimeConfig.backend(cr, phase))
        .build();
  }

  public static ConfigMap frontend(ChatbotDeployment cr) {
    return new ConfigMapBuilder()
        .withMetadata(Meta.of(cr, Names.frontend(cr), Names.labels(cr, Names.COMPONENT_FRONTEND)))
        .withData(RuntimeConfig.frontend(cr))
        .build();
  }
}
