package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;

/** Metadata of a child: name, the chatbot's namespace, labels. Owner references come from JOSDK. */
final class Meta {
  private Meta() {}

  static ObjectMeta of(ChatbotDeployment cr, String name, Map<String, String> labels) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(cr.getMetadata().getNamespace())
        .withLabels(labels)
        .build();
  }
}
