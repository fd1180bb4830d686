package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.reconciler.ChatbotReconciler;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Test 3: every example reconciles under the chart's RBAC with server-side apply on; every child
 * passes the server's validation; a fresh operator's resync with nothing changed writes nothing
 * (counted at the client and in the server's audit log).
 */
@RealApiServer
class ExamplesIT {

  @BeforeAll
  static void install(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"mock.yaml", "huggingface.yaml", "local-download.yaml", "local-image.yaml"})
  void reconcilesAndAResyncWritesNothing(
      String file, ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    ChatbotDeployment example = Fixtures.example(file, ns);
    String name = example.getMetadata().getName();
    if (file.equals("huggingface.yaml")) {
      admin.resource(RealServer.hfTokenSecret(ns)).create();
    }
    int first;
    try (ClusterSimulator cluster =
            new ClusterSimulator(admin, ns, "mock", "huggingface", "local");
        RealServer.Operator op = RealServer.start(server, ns)) {
      admin.resource(example).create();
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () ->
                  assertThat(RealServer.ready(admin, ns, name).getStatus())
                      .as(file + " Ready: " + RealServer.ready(admin, ns, name).getMessage())
                      .isEqualTo("True"));
      first = awaitQuiet(op);
      assertThat(first).as("writes of the first reconcile").isPositive();
    }

    Map<String, String> children = RealServer.children(admin, ns);
    assertThat(children.keySet())
        .as(file + " children")
        .anyMatch(k -> k.startsWith("Deployment/" + name + "-backend-"))
        .contains("Service/" + name + "-backend", "NetworkPolicy/" + name + "-backend");
    if (!file.equals("local-download.yaml")) {
      assertThat(children).containsKey("Deployment/" + name + "-frontend");
    }
    if (file.equals("local-download.yaml")) {
      assertThat(children.keySet())
          .contains("PersistentVolumeClaim/" + name + "-models")
          .anyMatch(k -> k.startsWith("Job/" + name + "-download-"));
    }
    // They exist, so the server validated them; re-apply each as a server-side dry run too.
    for (Class<? extends HasMetadata> kind : RealServer.CHILD_KINDS) {
      for (HasMetadata child : admin.resources(kind).inNamespace(ns).list().getItems()) {
        child.getMetadata().setManagedFields(null);
        child.getMetadata().setResourceVersion(null);
        HasMetadata echoed =
            admin
                .resource(child)
                .dryRun()
                .fieldManager("dry-run-check")
                .forceConflicts()
                .serverSideApply();
        assertThat(echoed.getMetadata().getName()).isEqualTo(child.getMetadata().getName());
      }
    }

    // A restarted operator lists everything and reconciles it: a full resync, nothing changed.
    int mark = server.auditMark();
    try (RealServer.Operator op = RealServer.start(server, ns)) {
      await().atMost(RealServer.WAIT).until(() -> op.reconciles() >= 1);
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(op.writes()).as("client-side writes of a no-op resync").isEmpty();
                assertThat(server.writeRequestsSince(mark, ApiServer.OPERATOR_USER))
                    .as("audited writes of a no-op resync")
                    .isEmpty();
              });
      assertThat(RealServer.children(admin, ns)).as("resource versions").isEqualTo(children);
    }
    System.out.printf(
        "real server: %s first reconcile %d writes, resync 0 writes (%d children)%n",
        file, first, children.size());
  }

  /**
   * Quiet means no write for this long: more than two of the operator's migration polls, so a pass
   * it rescheduled has come and written whatever it had to.
   */
  static final Duration QUIET = ChatbotReconciler.MIGRATION_POLL.multipliedBy(2).plusSeconds(1);

  /** Waits until the operator has written nothing for {@link #QUIET}, and returns its writes. */
  static int awaitQuiet(RealServer.Operator op) {
    AtomicInteger last = new AtomicInteger(-1);
    AtomicLong lastChange = new AtomicLong(System.nanoTime());
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              int writes = op.writes().size();
              if (last.getAndSet(writes) != writes) {
                lastChange.set(System.nanoTime());
                return false;
              }
              return System.nanoTime() - lastChange.get() >= QUIET.toNanos();
            });
    return op.writes().size();
  }
}
