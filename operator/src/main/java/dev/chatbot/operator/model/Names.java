package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every name, label and annotation the operator gives its children, in one place. */
public final class Names {
  public static final String APP = "chatbot";
  public static final String MANAGER = "chatbot-operator";

  /** Server-side apply field manager of everything the operator writes. */
  public static final String FIELD_MANAGER = MANAGER;

  public static final String LABEL_NAME = "app.kubernetes.io/name";
  public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  public static final String LABEL_PART_OF = "app.kubernetes.io/part-of";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String LABEL_PHASE = "chatbot.dev/phase";

  /** The label Kubernetes (1.21 and later) puts on every namespace: its name. */
  public static final String LABEL_NAMESPACE_NAME = "kubernetes.io/metadata.name";

  public static final String ANNOTATION_CONFIG_HASH = "chatbot.dev/config-hash";

  public static final String COMPONENT_BACKEND = "backend";
  public static final String COMPONENT_FRONTEND = "frontend";
  public static final String COMPONENT_MODELS = "models";
  public static final String COMPONENT_DOWNLOADER = "model-downloader";

  /**
   * Longest ChatbotDeployment name: its children's names add at most 20 characters
   * ("-backend-huggingface"), and a label value or Service name may have 63.
   */
  public static final int MAX_NAME_LENGTH = 40;

  public static final int RUNTIME_PORT = 8080;
  public static final int OLLAMA_PORT = 11434;

  private Names() {}

  public static String backend(ChatbotDeployment cr, Phase phase) {
    return cr.getMetadata().getName() + "-backend-" + phase.value();
  }

  public static String backendService(ChatbotDeployment cr) {
    return cr.getMetadata().getName() + "-backend";
  }

  public static String networkPolicy(ChatbotDeployment cr) {
    return cr.getMetadata().getName() + "-backend";
  }

  public static String frontend(ChatbotDeployment cr) {
    return cr.getMetadata().getName() + "-frontend";
  }

  /** The public Service carries the chatbot's own name, so its DNS name is the chatbot's. */
  public static String frontendService(ChatbotDeployment cr) {
    return cr.getMetadata().getName();
  }

  public static String modelClaim(ChatbotDeployment cr) {
    return cr.getMetadata().getName() + "-models";
  }

  /** The downloader Job; its name carries a hash of the model list, so a new list is a new Job. */
  public static String downloadJob(ChatbotDeployment cr, String modelsHash) {
    return cr.getMetadata().getName() + "-download-" + modelsHash;
  }

  /** The labels every child carries. */
  public static Map<String, String> labels(ChatbotDeployment cr, String component) {
    Map<String, String> labels = selector(cr, component);
    labels.put(LABEL_PART_OF, APP);
    labels.put(LABEL_MANAGED_BY, MANAGER);
    return labels;
  }

  /** Labels of one phase's backend. */
  public static Map<String, String> backendLabels(ChatbotDeployment cr, Phase phase) {
    Map<String, String> labels = labels(cr, COMPONENT_BACKEND);
    labels.put(LABEL_PHASE, phase.value());
    return labels;
  }

  /** The stable subset of labels used in selectors. */
  public static Map<String, String> selector(ChatbotDeployment cr, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_NAME, APP);
    labels.put(LABEL_INSTANCE, cr.getMetadata().getName());
    labels.put(LABEL_COMPONENT, component);
    return labels;
  }

  /** Selector of one phase's backend pods. */
  public static Map<String, String> backendSelector(ChatbotDeployment cr, Phase phase) {
    Map<String, String> labels = selector(cr, COMPONENT_BACKEND);
    labels.put(LABEL_PHASE, phase.value());
    return labels;
  }
}
