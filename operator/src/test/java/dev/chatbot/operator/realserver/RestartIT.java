package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Test 5: an operator stopped in the middle of reconciling (right after its first children
 * appeared, the model download still running) is replaced by a fresh one, which reaches the same
 * end state as an uninterrupted run: all children, Ready once they are available.
 */
@RealApiServer
class RestartIT {

  @BeforeAll
  static void install(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
  }

  @Test
  void aFreshOperatorFinishesWhatAStoppedOneStarted(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    try (ClusterSimulator cluster = new ClusterSimulator(admin, ns, "local")) {
      cluster.jobOutcome = null; // the download keeps running while the first operator lives
      Map<String, String> midway;
      try (RealServer.Operator first = RealServer.start(server, ns)) {
        admin.resource(Fixtures.example("local-download.yaml", ns)).create();
        await().atMost(RealServer.WAIT).until(() -> !RealServer.children(admin, ns).isEmpty());
        midway = RealServer.children(admin, ns);
      } // stopped here, mid-reconcile
      assertThat(midway.keySet())
          .as("children when the first operator stopped")
          .doesNotContain("Deployment/private-backend-local");

      cluster.jobOutcome = "Complete";
      try (RealServer.Operator second = RealServer.start(server, ns)) {
        // The simulator completes Jobs on change; nudge the one that may already exist.
        admin.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
            .map(j -> j.getMetadata().getName())
            .forEach(
                name ->
                    admin
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(ns)
                        .withName(name)
                        .edit(
                            j -> {
                              j.getMetadata().setAnnotations(Map.of("nudge", "1"));
                              return j;
                            }));
        await()
            .atMost(RealServer.WAIT)
            .untilAsserted(
                () -> {
                  assertThat(RealServer.ready(admin, ns, "private").getStatus())
                      .as(RealServer.ready(admin, ns, "private").getMessage())
                      .isEqualTo("True");
                  var status = RealServer.cr(admin, ns, "private").getStatus();
                  assertThat(status.getActivePhase()).isEqualTo(Phase.LOCAL);
                  assertThat(
                          status.getMigration() == null ? null : status.getMigration().getState())
                      .isIn(null, MigrationState.Completed);
                });
        Set<String> end = RealServer.children(admin, ns).keySet();
        assertThat(end)
            .contains(
                "ConfigMap/private-backend-local",
                "ConfigMap/private-frontend",
                "PersistentVolumeClaim/private-models",
                "Deployment/private-backend-local",
                "Deployment/private-frontend",
                "Service/private",
                "Service/private-backend",
                "NetworkPolicy/private-backend",
                "HorizontalPodAutoscaler/private-backend-local",
                "HorizontalPodAutoscaler/private-frontend")
            .anyMatch(k -> k.startsWith("Job/private-download-"))
            .hasSize(11);
        System.out.printf(
            "real server: restart: %d children when stopped, %d after the fresh operator%n",
            midway.size(), end.size());
      }
    }
  }
}
