package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Test 7: with kube-controller-manager's garbage collector running, deleting a ChatbotDeployment
 * removes its children (they carry owner references); a model volume with {@code retainOnDelete}
 * carries none and stays, with its models.
 */
@RealApiServer(controllerManager = true)
class GarbageCollectionIT {

  @BeforeAll
  static void install(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
    server.restartControllerManager(); // so that the collector watches ChatbotDeployments
  }

  /** Creates the example, waits until it is Ready, and returns its children. */
  static Map<String, String> reconcile(
      KubernetesClient admin, String ns, ChatbotDeployment cr, RealServer.Operator op) {
    admin.resource(cr).create();
    String name = cr.getMetadata().getName();
    await()
        .atMost(RealServer.WAIT)
        .untilAsserted(
            () -> assertThat(RealServer.ready(admin, ns, name).getStatus()).isEqualTo("True"));
    return RealServer.children(admin, ns);
  }

  static void delete(KubernetesClient admin, String ns, String name) {
    admin.resources(ChatbotDeployment.class).inNamespace(ns).withName(name).delete();
    await().atMost(RealServer.WAIT).until(() -> RealServer.cr(admin, ns, name) == null);
  }

  /** Children still there and not being deleted. */
  static Map<String, String> remaining(KubernetesClient admin, String ns) {
    Map<String, String> left = new java.util.TreeMap<>(RealServer.children(admin, ns));
    admin.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() != null)
        // No pvc-protection controller runs here: a deleted claim stays Terminating.
        .forEach(p -> left.remove("PersistentVolumeClaim/" + p.getMetadata().getName()));
    return left;
  }

  @Test
  void deletingAChatbotDeletesItsChildren(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    try (ClusterSimulator cluster = new ClusterSimulator(admin, ns, "mock");
        RealServer.Operator op = RealServer.start(server, ns)) {
      Map<String, String> children = reconcile(admin, ns, Fixtures.example("mock.yaml", ns), op);
      assertThat(children).hasSize(8);
      long t0 = System.nanoTime();
      delete(admin, ns, "demo");
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(() -> assertThat(remaining(admin, ns)).isEmpty());
      System.out.printf(
          "real server: garbage collection removed %d children in %d ms%n",
          children.size(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }
  }

  @Test
  void aRetainedModelVolumeOutlivesItsChatbot(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", ns);
    assertThat(cr.getSpec().getLocal().getStorage().getRetainOnDelete()).isTrue();
    try (ClusterSimulator cluster = new ClusterSimulator(admin, ns, "local");
        RealServer.Operator op = RealServer.start(server, ns)) {
      Map<String, String> children = reconcile(admin, ns, cr, op);
      assertThat(children).containsKey("PersistentVolumeClaim/private-models");
      PersistentVolumeClaim claim =
          admin.persistentVolumeClaims().inNamespace(ns).withName("private-models").get();
      assertThat(claim.getMetadata().getOwnerReferences()).as("retained claim owners").isEmpty();
      delete(admin, ns, "private");
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () ->
                  assertThat(remaining(admin, ns).keySet())
                      .containsExactly("PersistentVolumeClaim/private-models"));
      PersistentVolumeClaim kept =
          admin.persistentVolumeClaims().inNamespace(ns).withName("private-models").get();
      assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();
      assertThat(kept.getMetadata().getUid()).isEqualTo(claim.getMetadata().getUid());
    }
  }

  @Test
  void aModelVolumeWithoutRetainGoesWithItsChatbot(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", ns);
    cr.getSpec().getLocal().getStorage().setRetainOnDelete(false);
    try (ClusterSimulator cluster = new ClusterSimulator(admin, ns, "local");
        RealServer.Operator op = RealServer.start(server, ns)) {
      reconcile(admin, ns, cr, op);
      assertThat(
              admin
                  .persistentVolumeClaims()
                  .inNamespace(ns)
                  .withName("private-models")
                  .get()
                  .getMetadata()
                  .getOwnerReferences())
          .singleElement();
      delete(admin, ns, "private");
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(() -> assertThat(remaining(admin, ns)).isEmpty());
    }
  }
}
