package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Test 4: with server-side apply, fields the operator owns come back when another field manager (a
 * GitOps tool, a person with kubectl) takes them; fields it does not own stay as the other manager
 * left them. This is what makes the operator safe next to Argo CD or Flux.
 */
@RealApiServer
class FieldOwnershipIT {
  static final String OTHER = ApiServer.OTHER_MANAGER_USER; // as field manager name

  @BeforeAll
  static void install(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
  }

  static Deployment deployment(KubernetesClient admin, String ns, String name) {
    return admin.apps().deployments().inNamespace(ns).withName(name).get();
  }

  static String image(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  /** The managers whose fields under {@code top} (e.g. f:spec) mention {@code fieldFragment}. */
  static String managerOf(Deployment d, String top, String fieldFragment) {
    return d.getMetadata().getManagedFields().stream()
        .filter(
            m ->
                String.valueOf(m.getFieldsV1().getAdditionalProperties().get(top))
                    .contains(fieldFragment))
        .map(ManagedFieldsEntry::getManager)
        .reduce((a, b) -> a + "," + b)
        .orElse("");
  }

  @Test
  void ownedFieldsAreRestoredAndOthersFieldsAreLeftAlone(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    try (ClusterSimulator cluster = new ClusterSimulator(admin, ns, "mock");
        RealServer.Operator op = RealServer.start(server, ns)) {
      RealServer.createReadyMock(admin, ns);
      String ownImage = image(deployment(admin, ns, "demo-backend-mock"));
      assertThat(ownImage).isEqualTo(RealServer.RUNTIME_IMAGE);

      // 1. Another manager force-applies fields the operator owns: the backend image and a key of
      //    the runtime ConfigMap. The operator takes them back.
      admin
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("demo-backend-mock")
                  .withNamespace(ns)
                  .endMetadata()
                  .withNewSpec()
                  .withNewTemplate()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("runtime")
                  .withImage("example.org/someone-else:latest")
                  .endContainer()
                  .endSpec()
                  .endTemplate()
                  .endSpec()
                  .build())
          .fieldManager(OTHER)
          .forceConflicts()
          .serverSideApply();
      admin
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("demo-backend-mock")
                  .withNamespace(ns)
                  .endMetadata()
                  .addToData("model_provider", "huggingface")
                  .build())
          .fieldManager(OTHER)
          .forceConflicts()
          .serverSideApply();
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () -> {
                Deployment d = deployment(admin, ns, "demo-backend-mock");
                assertThat(image(d)).as("backend image").isEqualTo(ownImage);
                ConfigMap cm =
                    admin.configMaps().inNamespace(ns).withName("demo-backend-mock").get();
                assertThat(cm.getData()).containsEntry("model_provider", "mock");
              });

      // 2. Another manager sets fields the operator does not own: an annotation (as Argo CD's
      //    tracking annotation) and the frontend's replicas (owned by its autoscaler).
      admin
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("demo-backend-mock")
                  .withNamespace(ns)
                  .addToAnnotations("gitops.example.com/tracking-id", "demo:apps/Deployment")
                  .endMetadata()
                  .build())
          .fieldManager(OTHER)
          .serverSideApply();
      admin
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("demo-frontend")
                  .withNamespace(ns)
                  .endMetadata()
                  .withNewSpec()
                  .withReplicas(5)
                  .endSpec()
                  .build())
          .fieldManager(OTHER)
          .serverSideApply(); // no force needed: the operator never applied replicas here

      String hash =
          deployment(admin, ns, "demo-backend-mock")
              .getSpec()
              .getTemplate()
              .getMetadata()
              .getAnnotations()
              .get(Names.ANNOTATION_CONFIG_HASH);
      // Further reconciles: a config change re-applies the backend Deployment (its pods roll).
      Fixtures.editChatbot(
          admin, ns, "demo", cr -> cr.getSpec().getChat().setSystemPrompt("Answer in French."));
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          admin
                              .configMaps()
                              .inNamespace(ns)
                              .withName("demo-backend-mock")
                              .get()
                              .getData())
                      .containsEntry("system_prompt", "Answer in French."));
      await()
          .atMost(RealServer.WAIT)
          .until(
              () ->
                  !hash.equals(
                      deployment(admin, ns, "demo-backend-mock")
                          .getSpec()
                          .getTemplate()
                          .getMetadata()
                          .getAnnotations()
                          .get(Names.ANNOTATION_CONFIG_HASH)));
      ExamplesIT.awaitQuiet(op);
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(6))
          .untilAsserted(
              () -> {
                Deployment backend = deployment(admin, ns, "demo-backend-mock");
                assertThat(backend.getMetadata().getAnnotations())
                    .containsEntry("gitops.example.com/tracking-id", "demo:apps/Deployment");
                assertThat(image(backend)).isEqualTo(ownImage);
                assertThat(deployment(admin, ns, "demo-frontend").getSpec().getReplicas())
                    .as("frontend replicas under its HPA")
                    .isEqualTo(5);
              });
      Deployment backend = deployment(admin, ns, "demo-backend-mock");
      assertThat(managerOf(backend, "f:metadata", "gitops.example.com/tracking-id"))
          .isEqualTo(OTHER);
      assertThat(managerOf(deployment(admin, ns, "demo-frontend"), "f:spec", "f:replicas"))
          .isEqualTo(OTHER);
      assertThat(
              backend.getMetadata().getManagedFields().stream()
                  .filter(m -> m.getManager().equals(Names.FIELD_MANAGER))
                  .map(m -> m.getFieldsV1().getAdditionalProperties().toString())
                  .findFirst()
                  .orElse(""))
          .as("the operator owns the image again")
          .contains("f:image");
      ChatbotDeployment cr = RealServer.cr(admin, ns, "demo");
      assertThat(cr.getStatus().getObservedGeneration())
          .isEqualTo(cr.getMetadata().getGeneration());
      System.out.printf(
          "real server: field ownership: image and ConfigMap key restored; annotation and HPA"
              + " replicas of %s kept%n",
          Map.of("backend", "demo-backend-mock", "frontend", "demo-frontend").values());
    }
  }
}
