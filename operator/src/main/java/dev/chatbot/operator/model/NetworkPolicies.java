package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

/**
 * Only this chatbot's frontend, and the operator's migration smoke test, may reach its backend pods
 * (every phase's).
 */
public final class NetworkPolicies {
  private NetworkPolicies() {}

  public static NetworkPolicy backend(ChatbotDeployment cr, OperatorSettings settings) {
    return new NetworkPolicyBuilder()
        .withMetadata(
            Meta.of(cr, Names.networkPolicy(cr), Names.labels(cr, Names.COMPONENT_BACKEND)))
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(Names.selector(cr, Names.COMPONENT_BACKEND))
        .endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .withFrom(
            new NetworkPolicyPeerBuilder()
                .withNewPodSelector()
                .withMatchLabels(Names.selector(cr, Names.COMPONENT_FRONTEND))
                .endPodSelector()
                .build(),
            new NetworkPolicyPeerBuilder()
                .withNewNamespaceSelector()
                .endNamespaceSelector()
                .withNewPodSelector()
                .withMatchLabels(settings.operatorPodLabels())
                .endPodSelector()
                .build())
        .withPorts(
            new NetworkPolicyPortBuilder()
                .withProtocol("TCP")
                .withPort(new IntOrString(Names.RUNTIME_PORT))
                .build())
        .endIngress()
        .endSpec()
        .build();
  }
}
