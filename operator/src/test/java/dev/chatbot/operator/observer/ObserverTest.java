package dev.chatbot.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.model.Services;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

/** Where users reach the chatbot, as the status reports it. */
class ObserverTest {
  @Test
  void theServiceNameInTheClustersDomainUntilTheLoadBalancerHasAnAddress() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "chat");
    Service service = Services.frontend(cr);
    assertThat(Observer.endpoint(cr, service, "cluster.local"))
        .isEqualTo("http://demo.chat.svc.cluster.local");
    assertThat(Observer.endpoint(cr, service, "corp.example"))
        .isEqualTo("http://demo.chat.svc.corp.example");

    service.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatus());
    service.getStatus().setLoadBalancer(new io.fabric8.kubernetes.api.model.LoadBalancerStatus());
    service
        .getStatus()
        .getLoadBalancer()
        .getIngress()
        .add(new LoadBalancerIngressBuilder().withIp("203.0.113.7").build());
    assertThat(Observer.endpoint(cr, service, "cluster.local")).isEqualTo("http://203.0.113.7");
    service.getSpec().getPorts().get(0).setPort(8443);
    assertThat(Observer.endpoint(cr, service, "cluster.local"))
        .isEqualTo("http://203.0.113.7:8443");
  }

  @Test
  void withoutAFrontendTheBackendServiceInTheClustersDomain() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "chat");
    cr.getSpec().getFrontend().setEnabled(false);
    assertThat(Observer.endpoint(cr, Services.backend(cr, Phase.MOCK), "k8s.internal"))
        .isEqualTo("http://demo-backend.chat.svc.k8s.internal:8080");
  }

  /** A rolling update keeps the old pods available: available, yet not rolled out. */
  @Test
  void aRollingDeploymentIsAvailableButNotRolledOut() {
    io.fabric8.kubernetes.api.model.apps.Deployment d =
        new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
            .withNewMetadata()
            .withGeneration(3L)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(3L)
            // The old pod serves; the new one (updated) waits for its model.
            .withReplicas(2)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .endStatus()
            .build();
    Observation.Availability rolling = Observer.availability(d);
    assertThat(rolling.available()).isTrue();
    assertThat(rolling.rolledOut()).isFalse();

    d.getStatus().setReplicas(1);
    assertThat(Observer.availability(d).rolledOut()).isTrue();
  }
}
