package dev.chatbot.operator.model;

import java.util.Map;

/**
 * What the desired state depends on besides the ChatbotDeployment itself.
 *
 * @param runtimeImage image of chatbot-runtime used when the spec names none
 * @param autoscalingApi the HorizontalPodAutoscaler API the cluster serves
 * @param operatorPodLabels labels of the operator's pods, let through the backend NetworkPolicy for
 *     migration smoke tests
 * @param operatorNamespace the namespace of those pods; null (the operator runs outside the
 *     cluster) lets no operator pod through
 * @param clusterDomain the cluster's DNS domain (cluster.local unless the cluster says otherwise)
 */
public record OperatorSettings(
    String runtimeImage,
    AutoscalingApi autoscalingApi,
    Map<String, String> operatorPodLabels,
    String operatorNamespace,
    String clusterDomain) {

  /** The HorizontalPodAutoscaler API versions the operator can write. */
  public enum AutoscalingApi {
    /** autoscaling/v2 (Kubernetes 1.23 and later). */
    V2,
    /** autoscaling/v2beta2 (Kubernetes 1.12 to 1.25). */
    V2BETA2,
    /** Neither: autoscaling is reported unavailable and fixed replica counts are used. */
    NONE
  }
}
