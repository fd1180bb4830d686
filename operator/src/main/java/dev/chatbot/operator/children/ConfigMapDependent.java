package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.ConfigMap;

/** The runtime configuration ConfigMaps. */
public class ConfigMapDependent extends ChildDependent<ConfigMap> {
  public static final String NAME = "config-maps";

  public ConfigMapDependent() {
    super(ConfigMap.class);
  }
}
