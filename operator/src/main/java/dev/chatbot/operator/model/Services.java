package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ExternalTrafficPolicy;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.ServiceSpec;
import dev.chatbot.api.v1alpha1.ServiceType;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;

/** The backend's in-cluster Service and the frontend's public one. */
public final class Services {
  private Services() {}

  /**
   * The backend Service. Its selector names one phase: moving traffic between phases is a change of
   * this selector and nothing else.
   */
  public static Service backend(ChatbotDeployment cr, Phase serving) {
    return new ServiceBuilder()
        .withMetadata(
            Meta.of(cr, Names.backendService(cr), Names.labels(cr, Names.COMPONENT_BACKEND)))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Names.backendSelector(cr, serving))
        // Always name the protocol: SSA on older servers rejects ports without it.
        .withPorts(
            new ServicePortBuilder()
                .withName("http")
                .withPort(Names.RUNTIME_PORT)
                .withTargetPort(new IntOrString("http"))
                .withProtocol("TCP")
                .build())
        .endSpec()
        .build();
  }

  public static Service frontend(ChatbotDeployment cr) {
    ServiceSpec spec = cr.getSpec().getFrontend().getService();
    ServiceType type = Defaults.or(spec.getType(), ServiceSpec.DEFAULT_TYPE);
    var metadata =
        Meta.of(cr, Names.frontendService(cr), Names.labels(cr, Names.COMPONENT_FRONTEND));
    if (spec.getAnnotations() != null && !spec.getAnnotations().isEmpty()) {
      metadata.setAnnotations(spec.getAnnotations());
    }
    List<String> ranges =
        type == ServiceType.LoadBalancer ? spec.getLoadBalancerSourceRanges() : null;
    // Only NodePort and LoadBalancer Services take outside traffic (the API refuses it on others).
    ExternalTrafficPolicy policy =
        type == ServiceType.ClusterIP
            ? null
            : Defaults.or(
                spec.getExternalTrafficPolicy(), ServiceSpec.DEFAULT_EXTERNAL_TRAFFIC_POLICY);
    return new ServiceBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withType(type.name())
        .withSelector(Names.selector(cr, Names.COMPONENT_FRONTEND))
        .withPorts(
            new ServicePortBuilder()
                .withName("http")
                .withPort(Defaults.or(spec.getPort(), ServiceSpec.DEFAULT_PORT))
                .withTargetPort(new IntOrString("http"))
                .withProtocol("TCP")
                .build())
        .withLoadBalancerSourceRanges(ranges)
        .withExternalTrafficPolicy(policy == null ? null : policy.name())
        .endSpec()
        .build();
  }
}
