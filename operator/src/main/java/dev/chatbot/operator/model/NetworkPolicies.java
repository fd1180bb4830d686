package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Only this chatbot's frontend, and the operator's migration smoke test from its own pods in its
 * own namespace, may reach its backend pods (every phase's).
 */
public final class NetworkPolicies {
  private NetworkPolicies() {}

  public static NetworkPolicy backend(ChatbotDeployment cr, OperatorSettings settings) {
    List<NetworkPolicyPeer> from = new ArrayList<>();
    from.add(
        new NetworkPolicyPeerBuilder()
            .withNewPodSelector()
            .withMatchLabels(Names.selector(cr, Names.COMPONENT_FRONTEND))
            .endPodSelector()
            .build());
    if (settings.operatorNamespace() != null) {
      from.add(operator(cr, settings));
    }
    return new NetworkPolicyBuilder()
        .withMetadata(
            Meta.of(cr, Names.networkPolicy(cr), Names.labels(cr, Names.COMPONENT_BACKEND)))
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(Names.selector(cr, Names.COMPONENT_BACKEND))
        .endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .withFrom(from)
        .withPorts(
            new NetworkPolicyPortBuilder()
                .withProtocol("TCP")
                .withPort(new IntOrString(Names.RUNTIME_PORT))
                .build())
        .endIngress()
        .endSpec()
        .build();
  }

  /**
   * The operator's pods. In the chatbot's own namespace a pod selector alone says so (on any
   * Kubernetes version); elsewhere the namespace is selected by the name label Kubernetes puts on
   * every namespace since 1.21 (older clusters: label the operator's namespace by hand).
   */
  private static NetworkPolicyPeer operator(ChatbotDeployment cr, OperatorSettings settings) {
    NetworkPolicyPeerBuilder peer =
        new NetworkPolicyPeerBuilder()
            .withNewPodSelector()
            .withMatchLabels(settings.operatorPodLabels())
            .endPodSelector();
    if (!settings.operatorNamespace().equals(cr.getMetadata().getNamespace())) {
      peer.withNewNamespaceSelector()
          .withMatchLabels(Map.of(Names.LABEL_NAMESPACE_NAME, settings.operatorNamespace()))
          .endNamespaceSelector();
    }
    return peer.build();
  }
}
