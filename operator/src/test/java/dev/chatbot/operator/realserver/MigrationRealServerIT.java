package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Phase changes on the real server with server-side apply: mock -> huggingface -> local -> mock.
 * The backend Service never selects a phase whose backend is not available.
 */
@RealApiServer
class MigrationRealServerIT {

  @BeforeAll
  static void install(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
  }

  static String selected(KubernetesClient admin, String ns) {
    Service s = admin.services().inNamespace(ns).withName("demo-backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Names.LABEL_PHASE);
  }

  static List<String> backends(KubernetesClient admin, String ns) {
    return admin.apps().deployments().inNamespace(ns).list().getItems().stream()
        .map(d -> d.getMetadata().getName())
        .filter(n -> n.contains("-backend-"))
        .sorted()
        .toList();
  }

  static void awaitServing(KubernetesClient admin, String ns, Phase phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ChatbotDeployment cr = RealServer.cr(admin, ns, "demo");
              assertThat(cr.getStatus()).isNotNull();
              assertThat(cr.getStatus().getActivePhase()).isEqualTo(phase);
              assertThat(RealServer.ready(admin, ns, "demo").getStatus()).isEqualTo("True");
              assertThat(backends(admin, ns)).containsExactly("demo-backend-" + phase.value());
              assertThat(selected(admin, ns)).isEqualTo(phase.value());
            });
  }

  @Test
  void mockToHuggingfaceToLocalToMockNeverSelectsNothing(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    admin.resource(RealServer.hfTokenSecret(ns)).create();
    try (ClusterSimulator cluster =
            new ClusterSimulator(admin, ns, "mock", "huggingface", "local");
        RealServer.Operator op = RealServer.start(server, ns)) {
      admin.resource(Fixtures.example("mock.yaml", ns)).create();
      awaitServing(admin, ns, Phase.MOCK);
      List<String> durations = new ArrayList<>();
      Phase from = Phase.MOCK;
      for (Phase to : List.of(Phase.HUGGINGFACE, Phase.LOCAL, Phase.MOCK)) {
        cluster.record();
        int logStart = cluster.trafficLog.size();
        Instant began = Instant.now();
        Fixtures.moveToPhase(admin, ns, "demo", to);
        awaitServing(admin, ns, to);
        MigrationStatus m = RealServer.cr(admin, ns, "demo").getStatus().getMigration();
        assertThat(m.getState()).isEqualTo(MigrationState.Completed);
        assertThat(m.getFromPhase()).isEqualTo(from);
        assertThat(m.getToPhase()).isEqualTo(to);
        durations.add(
            from + "->" + to + " " + Duration.between(began, Instant.now()).toMillis() + " ms");
        cluster.record();
        var window = cluster.trafficSince(logStart);
        assertThat(window)
            .as("traffic during " + from + "->" + to)
            .noneMatch(ClusterSimulator.Snapshot::servesNothing);
        assertThat(window).extracting(ClusterSimulator.Snapshot::selected).contains(to.value());
        from = to;
      }
      assertThat(
              admin.v1().events().inNamespace(ns).list().getItems().stream()
                  .map(e -> e.getReason())
                  .toList())
          .contains("MigrationStartingBackend", "MigrationCompleted")
          .doesNotContain("MigrationSmokeTesting", "PhaseActive");
      // mock served first and serves again: the same Event, counted again under the chart's RBAC.
      assertThat(admin.v1().events().inNamespace(ns).list().getItems())
          .filteredOn(e -> "Available".equals(e.getReason()) && e.getMessage().startsWith("mock "))
          .singleElement()
          .satisfies(e -> assertThat(e.getCount()).isGreaterThanOrEqualTo(2));
      System.out.println("real server migration durations: " + durations);
    }
  }
}
